/** Listing "Fix with Parley" and "Explain with Parley": what the lightbulb shows, and how fast. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodeActionKind, DiagnosticSeverity, type CodeActionParams, type Diagnostic } from 'vscode-languageserver/node';
import { ExplainProblemCommand, explainQuestion, MAX_GROUPED, type ExplainProblemArgs } from '../../../protocol/fixes';
import { isFixData } from '../../../server/repo/fixes/actions';
import { listFixes } from '../../../server/repo/fixes/codeActions';

const URI = 'file:///ws/src/main.ts';

function diagnostic(line: number, message: string, severity: DiagnosticSeverity = DiagnosticSeverity.Error): Diagnostic {
  return { range: { start: { line, character: 4 }, end: { line, character: 9 } }, message, severity, source: 'ts', code: 2322 };
}

function params(diagnostics: Diagnostic[], only?: string[], lines: [number, number] = [0, 1000]): CodeActionParams {
  return {
    textDocument: { uri: URI },
    range: { start: { line: lines[0], character: 0 }, end: { line: lines[1], character: 0 } },
    context: { diagnostics, ...(only ? { only } : {}) },
  };
}

describe('fix data', () => {
  it('is taken back from a resolve request only in the shape the schema declares', () => {
    const data = listFixes(params([diagnostic(2, 'x')]))[0]!.data;
    assert.ok(isFixData(data));
    const reshaped = (change: (copy: { uri: unknown; diagnostics: Record<string, unknown>[] }) => void) => {
      const copy = structuredClone(data) as { uri: unknown; diagnostics: Record<string, unknown>[] };
      change(copy);
      return copy;
    };
    assert.equal(isFixData({ parley: 'fix', uri: URI, diagnostics: [] }), false, 'no diagnostics');
    assert.equal(isFixData(reshaped((copy) => (copy.uri = 7))), false, 'a number for the uri');
    assert.equal(
      isFixData(reshaped((copy) => (copy.diagnostics[0]!.range = { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } }))),
      false,
      'a negative line',
    );
    assert.equal(
      isFixData(reshaped((copy) => (copy.diagnostics[0]!.range = { start: { line: 3, character: 0 }, end: { line: 2, character: 0 } }))),
      false,
      'a range that ends before it starts',
    );
    assert.equal(isFixData(reshaped((copy) => (copy.diagnostics[0]!.message = { toString: 'x' }))), false, 'an object for the message');
    assert.equal(
      isFixData(reshaped((copy) => (copy.diagnostics = Array.from({ length: MAX_GROUPED + 1 }, () => copy.diagnostics[0]!)))),
      false,
      'more problems than one fix covers',
    );
  });
});

describe('listing fixes', () => {
  it('offers Fix and Explain on one error, as quick fixes that are never preferred', () => {
    const actions = listFixes(params([diagnostic(2, "Type 'string' is not assignable to type 'number'.")]));
    assert.deepEqual(
      actions.map((action) => action.title),
      ['Fix with Parley', 'Explain with Parley'],
    );
    for (const action of actions) {
      assert.equal(action.kind, CodeActionKind.QuickFix);
      assert.equal(action.isPreferred, false);
      assert.equal(action.diagnostics?.length, 1);
      assert.equal(action.edit, undefined, 'nothing is computed while listing');
    }
    assert.ok(isFixData(actions[0]!.data));
    assert.equal(actions[1]!.command?.command, ExplainProblemCommand.command);
    const args = actions[1]!.command!.arguments![0] as ExplainProblemArgs;
    assert.deepEqual(args.problems[0], {
      range: diagnostic(2, '').range,
      severity: 'error',
      message: "Type 'string' is not assignable to type 'number'.",
      source: 'ts',
      code: '2322',
    });
    assert.equal(
      explainQuestion('src/main.ts', args),
      "Explain this error in src/main.ts, line 3: Type 'string' is not assignable to type 'number'. (ts 2322). Why does it happen and how should I fix it?",
    );
  });

  it('leaves information and hints alone, counts warnings, and ignores problems outside the range', () => {
    const info = diagnostic(1, 'Consider a const', DiagnosticSeverity.Information);
    const hint = diagnostic(1, 'Unused', DiagnosticSeverity.Hint);
    assert.deepEqual(listFixes(params([info, hint])), []);
    assert.equal(listFixes(params([diagnostic(1, 'Unreachable code', DiagnosticSeverity.Warning)])).length, 2);
    assert.deepEqual(listFixes(params([diagnostic(40, 'far away')], undefined, [0, 10])), []);
  });

  it('names each of a few problems, once even when reported twice', () => {
    const problems = [diagnostic(3, 'Second problem'), diagnostic(1, 'First problem'), diagnostic(1, 'First problem')];
    assert.deepEqual(
      listFixes(params(problems)).map((action) => action.title),
      ['Fix with Parley: First problem', 'Fix with Parley: Second problem', 'Explain with Parley: First problem', 'Explain with Parley: Second problem'],
    );
  });

  it('groups many problems instead of flooding the menu', () => {
    const many = Array.from({ length: 40 }, (_, line) =>
      diagnostic(line, `Problem ${line} with a message long enough that the menu would have to cut it short somewhere`),
    );
    const actions = listFixes(params(many));
    assert.equal(actions.length, 4);
    assert.equal(actions[0]!.title, 'Fix with Parley: Problem 0 with a message long enough that the menu would ha…');
    assert.equal(actions[1]!.title, `Fix the first ${MAX_GROUPED} of 40 problems here with Parley`);
    assert.equal(actions[1]!.diagnostics?.length, MAX_GROUPED);
    assert.equal(actions[3]!.title, `Explain the first ${MAX_GROUPED} of 40 problems here with Parley`);
  });

  it('offers nothing to a request for other kinds of action (organize imports on save)', () => {
    assert.deepEqual(listFixes(params([diagnostic(1, 'x')], [CodeActionKind.SourceOrganizeImports])), []);
    assert.equal(listFixes(params([diagnostic(1, 'x')], [CodeActionKind.QuickFix])).length, 2);
  });

  it('lists in well under 10 ms with hundreds of problems in range', () => {
    const many = Array.from({ length: 500 }, (_, index) =>
      diagnostic(index % 200, `Problem ${index}`, index % 3 ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning),
    );
    const request = params(many);
    const times: number[] = [];
    for (let run = 0; run < 300; run++) {
      const started = performance.now();
      listFixes(request);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1]!;
    assert.ok(median < 10, `median ${median.toFixed(3)} ms`);
  });
});
