/**
 * The model's review answer is believed only when it is exactly the asked JSON, with findings in
 * files of the review and within their lines; duplicates across modules and checks are merged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReviewFinding } from '../../protocol/review';
import { finding } from '../../server/repo/findings/finding';
import { AnswerError, parseAnswer } from '../../server/repo/review/answer';
import { dedupe, rank, similarTitles } from '../../server/repo/review/rank';

const LINES: Record<string, number> = { 'src/a.ts': 40, 'src/b.ts': 10 };
const lines = (path: string) => LINES[path];

const item = (overrides: Record<string, unknown> = {}) => ({
  title: 'Unchecked null in load',
  explanation: 'load returns undefined when the file is missing and the caller dereferences it.',
  file: 'src/a.ts',
  startLine: 12,
  endLine: 14,
  severity: 'error',
  fix: 'Return early when the file is missing.',
  ...overrides,
});

function rejects(answer: string, reason: RegExp): void {
  assert.throws(
    () => parseAnswer(answer, lines),
    (error: Error) => error instanceof AnswerError && reason.test(error.message) && !error.message.includes('\n'),
  );
}

describe('the model review answer', () => {
  it('becomes findings with the message every surface shows', () => {
    const [found] = parseAnswer(JSON.stringify({ findings: [item()] }), lines);
    assert.match(found!.id, /^llm-[0-9a-f]{12}$/);
    assert.deepEqual(found, {
      id: found!.id,
      file: 'src/a.ts',
      line: 12,
      endLine: 14,
      severity: 'error',
      kind: 'llm',
      title: 'Unchecked null in load',
      why: 'load returns undefined when the file is missing and the caller dereferences it.',
      fix: 'Return early when the file is missing.',
      message: 'load returns undefined when the file is missing and the caller dereferences it. Suggested fix: Return early when the file is missing.',
    });
  });

  it('accepts one json fence around the whole answer and an empty list', () => {
    assert.equal(
      parseAnswer('```json\n{"findings": [' + JSON.stringify(item({ file: './src/b.ts', startLine: 3, endLine: 3 })) + ']}\n```', lines)[0]!.file,
      'src/b.ts',
    );
    assert.deepEqual(parseAnswer('{"findings": []}', lines), []);
  });

  it('rejects malformed answers with a one-line reason', () => {
    rejects('Sure! Here is my review: the code looks fine.', /^the answer is not JSON \(.+\); it began "Sure! Here is my review/);
    rejects('{"issues": []}', /not \{"findings": \[\.\.\.\]\}/);
    rejects(JSON.stringify({ findings: [item({ file: 'src/elsewhere.ts' })] }), /finding 1: "src\/elsewhere.ts" is not a file of this review/);
    rejects(JSON.stringify({ findings: [item(), item({ startLine: 0 })] }), /finding 2: "startLine" must be a line number/);
    rejects(JSON.stringify({ findings: [item({ startLine: 12, endLine: 99 })] }), /"endLine" 99 is past the end of the file \(40 lines\)/);
    rejects(JSON.stringify({ findings: [item({ startLine: 20, endLine: 12 })] }), /"endLine" 12 is before "startLine" 20/);
    rejects(JSON.stringify({ findings: [item({ severity: 'critical' })] }), /"severity" must be one of error, warning, information/);
    rejects(JSON.stringify({ findings: [item({ fix: '' })] }), /"fix" must be a non-empty string/);
    rejects(JSON.stringify({ findings: ['a finding'] }), /finding 1 is not an object/);
  });
});

const at = (
  file: string,
  line: number,
  title: string,
  severity: ReviewFinding['severity'] = 'warning',
  kind: ReviewFinding['kind'] = 'llm',
  endLine?: number,
): ReviewFinding => finding({ file, line, ...(endLine ? { endLine } : {}), severity, kind, title, why: `why ${title}`, fix: 'fix it' });

describe('merging and ranking findings', () => {
  it('treats titles that say the same thing as similar', () => {
    assert.ok(similarTitles('Unchecked null in load', 'Unchecked null dereference in load()'));
    assert.ok(similarTitles('Race in cache', 'race in cache'));
    assert.ok(!similarTitles('Unchecked null in load', 'SQL built from user input'));
  });

  it('keeps one of two findings in the same place saying the same, the more severe', () => {
    const merged = dedupe([
      at('src/a.ts', 10, 'Unchecked null in load', 'warning', 'llm', 15),
      at('src/a.ts', 14, 'Unchecked null dereference in load', 'error'),
      at('src/b.ts', 10, 'Unchecked null in load'),
    ]);
    assert.deepEqual(
      merged.map((f) => [f.file, f.line, f.severity]),
      [
        ['src/a.ts', 14, 'error'],
        ['src/b.ts', 10, 'warning'],
      ],
    );
  });

  it('keeps findings apart when their lines do not overlap', () => {
    assert.equal(dedupe([at('src/a.ts', 1, 'Unchecked null in load'), at('src/a.ts', 30, 'Unchecked null in load')]).length, 2);
  });

  it('ranks by severity, then problems before signals, then the more central file', () => {
    const ranked = rank(
      [
        at('src/b.ts', 1, 'Long function', 'information', 'large-function'),
        at('src/b.ts', 2, 'Cycle', 'warning', 'cycle'),
        at('src/a.ts', 3, 'Hotspot', 'warning', 'hotspot'),
        at('src/b.ts', 4, 'Bug', 'warning'),
        at('src/a.ts', 5, 'Bug too', 'warning'),
        at('src/b.ts', 6, 'Crash', 'error'),
      ],
      (path) => (path === 'src/a.ts' ? 0.9 : 0.1),
    );
    assert.deepEqual(
      ranked.map((f) => f.title),
      ['Crash', 'Bug too', 'Bug', 'Cycle', 'Hotspot', 'Long function'],
    );
  });

  it('puts rules of thumb after what was found in the code, within a severity', () => {
    const ranked = rank(
      [
        { ...at('src/a.ts', 1, 'Hotspot', 'warning', 'hotspot'), certainty: 'heuristic' as const },
        { ...at('src/b.ts', 2, 'Untested', 'warning', 'untested'), certainty: 'likely' as const },
        { ...at('src/b.ts', 3, 'Cycle', 'warning', 'cycle'), certainty: 'certain' as const },
        { ...at('src/a.ts', 4, 'Crash', 'error'), certainty: 'heuristic' as const },
      ],
      (path) => (path === 'src/a.ts' ? 0.9 : 0.1),
    );
    assert.deepEqual(
      ranked.map((f) => f.title),
      ['Crash', 'Cycle', 'Untested', 'Hotspot'],
    );
  });
});
