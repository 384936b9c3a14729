/** Size findings on hand-made facts: one per module with the worst few named, tests and declarations left out. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RepoFacts } from '../../../server/repo/findings/facts';
import { finding } from '../../../server/repo/findings/finding';
import { oversizedFiles, oversizedFunctions } from '../../../server/repo/findings/sizes';
import { rank } from '../../../server/repo/review/rank';
import { NO_REFERENCES, type Definition, type FileSymbols } from '../../../server/repo/symbols/types';

/** `[name, first line, length]` of each function in a file. */
type Fn = [name: string, line: number, lines: number];

function factsOf(files: Record<string, { lines?: number; functions?: Fn[] }>): RepoFacts {
  const symbols = (path: string): FileSymbols => ({
    defs: (files[path]?.functions ?? []).map(([name, line, lines]): Definition => ({
      name,
      kind: 'function',
      line,
      endLine: line + lines - 1,
      signature: `function ${name}() {`,
    })),
    refs: NO_REFERENCES,
  });
  return {
    files: Object.entries(files).map(([path, { lines = 100 }]) => ({ path, language: 'typescript', bytes: lines * 40, lines, hash: path })),
    symbols,
  } as unknown as RepoFacts;
}

describe('size findings', () => {
  it('gives one finding per module for its long functions, the worst three named and the rest counted', () => {
    const findings = oversizedFunctions(
      factsOf({
        'agents/src/voice/activity.ts': {
          functions: [
            ['realtimeTask', 10, 611],
            ['onSTTEvent', 700, 293],
            ['short', 1000, 20],
          ],
        },
        'agents/src/voice/llm/chat.ts': {
          functions: [
            ['toProvider', 5, 80],
            ['fromProvider', 100, 70],
          ],
        },
        'agents/src/voice/utils.ts': { functions: [['retry', 1, 370]] },
        'plugins/openai/src/realtime.ts': { functions: [['connect', 40, 120]] },
      }),
    );
    assert.equal(findings.length, 2, findings.map((f) => f.title).join('\n'));
    const [agents, openai] = findings;
    assert.equal(agents!.title, '5 long functions in agents/src/voice, the longest realtimeTask with 611 lines');
    assert.deepEqual([agents!.file, agents!.line, agents!.endLine, agents!.severity], ['agents/src/voice/activity.ts', 10, 620, 'warning']);
    assert.match(
      agents!.why,
      /^5 functions in 3 files of agents\/src\/voice run past 60 lines: realtimeTask in agents\/src\/voice\/activity\.ts \(611 lines\), retry in agents\/src\/voice\/utils\.ts \(370 lines\), onSTTEvent in agents\/src\/voice\/activity\.ts \(293 lines\) and 2 more\./,
    );
    assert.match(agents!.why, /Size alone does not make code wrong/);
    assert.deepEqual(
      agents!.related?.map((r) => [r.file, r.line]),
      [
        ['agents/src/voice/utils.ts', 1],
        ['agents/src/voice/activity.ts', 700],
        ['agents/src/voice/llm/chat.ts', 5],
        ['agents/src/voice/llm/chat.ts', 100],
      ],
    );
    assert.match(agents!.fix, /^Start with realtimeTask: extract its steps/);
    assert.equal(agents!.certainty, 'heuristic');
    assert.match(agents!.message, /Size alone does not make code wrong.*\(A rule of thumb/);
    // A module with one long function reads as before.
    assert.equal(openai!.title, 'Long function: connect is 120 lines');
    assert.equal(openai!.severity, 'information');
    assert.match(openai!.why, /^connect in plugins\/openai\/src\/realtime\.ts spans lines 40–159\./);
  });

  it('names the file, and each function by its line, when the long functions are all in one file', () => {
    const [one] = oversizedFunctions(
      factsOf({
        'src/engine.ts': {
          functions: [
            ['plan', 10, 90],
            ['run', 200, 75],
          ],
        },
      }),
    );
    assert.equal(one!.title, '2 long functions in src/engine.ts, the longest plan with 90 lines');
    assert.match(one!.why, /^2 functions of src run past 60 lines: plan at line 10 \(90 lines\), run at line 200 \(75 lines\)\./);
  });

  it('says an example is long as information only', () => {
    const [example] = oversizedFunctions(factsOf({ 'examples/src/hotel.ts': { functions: [['constructor', 10, 456]] } }));
    assert.equal(example!.severity, 'information');
    const [product] = oversizedFunctions(factsOf({ 'src/hotel.ts': { functions: [['constructor', 10, 456]] } }));
    assert.equal(product!.severity, 'warning');
  });

  it('leaves out tests and declaration files', () => {
    const facts = factsOf({
      'src/voice/agent.test.ts': { lines: 1966, functions: [['suite', 1, 900]] },
      'src/types.d.ts': { lines: 1200, functions: [['declared', 1, 300]] },
    });
    assert.deepEqual(oversizedFunctions(facts), []);
    assert.deepEqual(oversizedFiles(facts), []);
  });

  it('gives one finding per module for its large files, and keeps a lone large file as it was', () => {
    const findings = oversizedFiles(
      factsOf({
        'agents/src/voice/activity.ts': { lines: 5515 },
        'agents/src/voice/session.ts': { lines: 1981 },
        'agents/src/voice/utils.ts': { lines: 1665 },
        'agents/src/voice/llm/chat.ts': { lines: 1390 },
        'agents/src/voice/small.ts': { lines: 200 },
        'plugins/google/src/api.ts': { lines: 700 },
      }),
    );
    assert.deepEqual(
      findings.map((f) => [f.title, f.file, f.severity]),
      [
        ['4 large files in agents/src/voice, up to 5515 lines', 'agents/src/voice/activity.ts', 'warning'],
        ['Large file: plugins/google/src/api.ts has 700 lines', 'plugins/google/src/api.ts', 'information'],
      ],
    );
    assert.match(
      findings[0]!.why,
      /^4 files in agents\/src\/voice are over 500 lines: agents\/src\/voice\/activity\.ts \(5515 lines\), agents\/src\/voice\/session\.ts \(1981 lines\), agents\/src\/voice\/utils\.ts \(1665 lines\) and 1 more\./,
    );
    assert.equal(findings[0]!.related?.length, 3);
  });

  it("is not taken for the largest file's hotspot when the review merges similar findings", () => {
    const [large] = oversizedFiles(factsOf({ 'src/voice/activity.ts': { lines: 5515 }, 'src/voice/session.ts': { lines: 1981 } }));
    const hotspot = finding({
      file: 'src/voice/activity.ts',
      line: 1,
      severity: 'warning',
      kind: 'hotspot',
      title: 'Change hotspot: src/voice/activity.ts (83 commits, 5515 lines)',
      why: 'It changed in 83 commits.',
      fix: 'Split it.',
    });
    assert.deepEqual(
      rank([hotspot, large!], () => 0).map((f) => f.kind),
      ['hotspot', 'large-file'],
    );
  });

  it("keeps a check's own order within its kind, and puts the model's findings by the centrality of their files", () => {
    const of = (kind: 'hotspot' | 'llm', file: string) =>
      finding({
        file,
        line: 1,
        severity: 'warning',
        kind,
        ...(kind === 'hotspot' ? { certainty: 'heuristic' as const } : {}),
        title: `${kind} in ${file}`,
        why: '.',
        fix: '.',
      });
    // The hotspot check orders by commits × lines: terminal.go first, though tui.go is more central.
    const central = new Map([
      ['src/tui/tui.go', 0.3],
      ['src/terminal.go', 0.1],
      ['src/a.go', 0.05],
      ['src/b.go', 0.2],
    ]);
    const ranked = rank(
      [of('hotspot', 'src/terminal.go'), of('hotspot', 'src/tui/tui.go'), of('llm', 'src/a.go'), of('llm', 'src/b.go')],
      (path) => central.get(path) ?? 0,
    );
    assert.deepEqual(
      ranked.map((f) => f.file),
      ['src/b.go', 'src/a.go', 'src/terminal.go', 'src/tui/tui.go'],
    );
  });
});
