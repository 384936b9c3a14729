/** The model's fix is checked before it reaches the editor: only small, well-formed edits of lines it saw. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import { applyLineEdits, checkEdits, FixRejected, parseFixAnswer, toTextEdits, type EditBounds } from '../../../server/repo/fixes/edit';
import { excerptAround, fixRequest, mentionedNames } from '../../../server/repo/fixes/prompt';

const FILE = [
  'import { total } from "./util";',
  '',
  'export function count(items: string[]): number {',
  '  const n: number = "zero";',
  '  return n + items.length;',
  '}',
];
const bounds = (overrides: Partial<EditBounds> = {}): EditBounds => ({ lines: FILE, first: 1, last: FILE.length, masked: new Set(), ...overrides });
const answer = (edits: unknown, summary = 'Start from zero') => JSON.stringify({ summary, edits });
const rejected = (pattern: RegExp) => (error: unknown) => error instanceof FixRejected && pattern.test(error.message);

function applied(lines: readonly string[], text: string, eol = '\n'): string {
  const document = TextDocument.create('file:///a.ts', 'typescript', 1, lines.join(eol));
  const proposal = parseFixAnswer(text);
  return TextDocument.applyEdits(document, toTextEdits(checkEdits(proposal, bounds({ lines })), lines, eol, 'parley.fix'));
}

describe('checking a proposed fix', () => {
  it('turns a valid answer into whole-line edits carrying the annotation', () => {
    const text = answer([{ startLine: 4, endLine: 4, lines: ['  const n: number = 0;'] }]);
    const proposal = parseFixAnswer(text);
    assert.equal(proposal.summary, 'Start from zero');
    const edits = toTextEdits(checkEdits(proposal, bounds()), FILE, '\n', 'parley.fix');
    assert.deepEqual(edits, [
      { range: { start: { line: 3, character: 0 }, end: { line: 3, character: 27 } }, newText: '  const n: number = 0;', annotationId: 'parley.fix' },
    ]);
    assert.equal(applied(FILE, text).split('\n')[3], '  const n: number = 0;');
  });

  it("accepts the object alone in a fenced block, and keeps the file's CRLF line breaks", () => {
    const text = '```json\n' + answer([{ startLine: 4, endLine: 4, lines: ['  const n: number = 0;', '  // zero'] }]) + '\n```';
    assert.equal(applied(FILE, text, '\r\n').split('\r\n').slice(3, 5).join('|'), '  const n: number = 0;|  // zero');
  });

  it('deletes lines with their line breaks, also at the end of the file', () => {
    assert.equal(applied(FILE, answer([{ startLine: 2, endLine: 2, lines: [] }])).split('\n').length, FILE.length - 1);
    assert.equal(applied(FILE, answer([{ startLine: 6, endLine: 6, lines: [] }])), FILE.slice(0, 5).join('\n'));
  });

  it('applies line edits to the lines exactly as the editor applies the text edits (what the syntax check parses)', () => {
    const proposals = [
      [{ startLine: 4, endLine: 4, lines: ['  const n: number = 0;'] }],
      [
        { startLine: 2, endLine: 2, lines: [] },
        { startLine: 4, endLine: 5, lines: ['  return items.length;'] },
      ],
      [
        { startLine: 1, endLine: 1, lines: ['import { total, sum } from "./util";', '// added'] },
        { startLine: 6, endLine: 6, lines: [] },
      ],
    ];
    for (const edits of proposals) {
      const text = answer(edits);
      assert.equal(applyLineEdits(FILE, checkEdits(parseFixAnswer(text), bounds())).join('\n'), applied(FILE, text));
    }
  });

  it('rejects prose, a diff or a cut-off object with a clear message', () => {
    assert.throws(
      () => parseFixAnswer('Sure! Change line 4 to `const n = 0`.'),
      rejected(/did not answer with the JSON edit Parley asked for \(it began "Sure! Change line 4/),
    );
    assert.throws(() => parseFixAnswer('--- a/main.ts\n+++ b/main.ts\n@@ -4 +4 @@'), rejected(/did not answer with the JSON edit/));
    assert.throws(() => parseFixAnswer('{"edits": [{"startLine": 4'), rejected(/did not answer with the JSON edit/));
    assert.throws(() => parseFixAnswer('[1, 2]'), rejected(/malformed \(expected a JSON object/));
    assert.throws(() => parseFixAnswer('{"summary": "x"}'), rejected(/"edits" is missing/));
    assert.throws(() => parseFixAnswer(answer([{ startLine: '4', endLine: 4, lines: [] }])), rejected(/whole-number startLine/));
    assert.throws(() => parseFixAnswer(answer([{ startLine: 4, endLine: 4, lines: 'x' }])), rejected(/"lines", a list of strings/));
  });

  it('rejects edits outside the file or the excerpt the model saw', () => {
    assert.throws(() => checkEdits(parseFixAnswer(answer([{ startLine: 9, endLine: 9, lines: ['x'] }])), bounds()), rejected(/not lines of this file \(1–6\)/));
    assert.throws(
      () => checkEdits(parseFixAnswer(answer([{ startLine: 1, endLine: 1, lines: ['x'] }])), bounds({ first: 3 })),
      rejected(/outside the lines it was shown \(3–6\)/),
    );
    assert.throws(() => checkEdits(parseFixAnswer(answer([{ startLine: 5, endLine: 4, lines: ['x'] }])), bounds()), rejected(/not lines of this file/));
  });

  it('rejects overlapping, oversized and empty-handed edits', () => {
    const overlap = answer([
      { startLine: 3, endLine: 4, lines: ['a'] },
      { startLine: 4, endLine: 5, lines: ['b'] },
    ]);
    assert.throws(() => checkEdits(parseFixAnswer(overlap), bounds()), rejected(/overlap at line 4/));
    const long = Array.from({ length: 100 }, (_, index) => `line ${index}`);
    const rewrite = answer([{ startLine: 1, endLine: 60, lines: ['x'] }]);
    assert.throws(
      () => checkEdits(parseFixAnswer(rewrite), bounds({ lines: long, last: 100 })),
      rejected(/replaces 60 lines with 1; Parley applies only small fixes/),
    );
    assert.throws(
      () => checkEdits(parseFixAnswer(answer([{ startLine: 4, endLine: 4, lines: [FILE[3]] }])), bounds()),
      rejected(/leaves every line as it was/),
    );
    assert.throws(
      () => checkEdits(parseFixAnswer(answer([], 'The type comes from another package')), bounds()),
      rejected(/no safe minimal fix: The type comes from another package/),
    );
  });

  it('never writes a masked secret back', () => {
    assert.throws(
      () => checkEdits(parseFixAnswer(answer([{ startLine: 4, endLine: 4, lines: ['x'] }])), bounds({ masked: new Set([4]) })),
      rejected(/holds a secret Parley masked/),
    );
    assert.throws(
      () => checkEdits(parseFixAnswer(answer([{ startLine: 4, endLine: 4, lines: ['const key = "[redacted]";'] }])), bounds()),
      rejected(/"\[redacted\]" mask/),
    );
  });
});

describe('the fix request', () => {
  const problem: Diagnostic = {
    range: { start: { line: 3, character: 8 }, end: { line: 3, character: 9 } },
    message: "Type 'string' is not assignable to type 'number'.",
    severity: DiagnosticSeverity.Error,
    source: 'ts',
    code: 2322,
  };

  it('shows numbered lines around the problem, with secrets masked and remembered', () => {
    const lines = [...FILE, 'const token = "sk-abcdefghijklmnopqrstuvwx";'];
    const excerpt = excerptAround('src/count.ts', lines, [problem]);
    assert.equal(excerpt.first, 1);
    assert.equal(excerpt.last, 7);
    assert.match(excerpt.text, /^4 {2} {2}const n: number = "zero";$/m);
    assert.match(excerpt.text, /^7 {2}const token = "\[redacted\]";$/m);
    assert.deepEqual([...excerpt.masked], [7]);
    const request = fixRequest({
      displayPath: 'src/count.ts',
      languageId: 'typescript',
      diagnostics: [problem],
      excerpt,
      related: 'src/util.ts:\n  1│ export function total()',
      notes: [],
    });
    assert.match(request.system, /one JSON object and nothing else/);
    assert.match(request.context!, /line 4, column 9: error \[ts 2322\]: Type 'string' is not assignable/);
    assert.match(request.context!, /Related definitions elsewhere in the repository \(repo map\)\nsrc\/util\.ts/);
    assert.doesNotMatch(request.context!, /sk-abcdefghijklmnop/);
  });

  it('keeps the excerpt to the lines around the problems', () => {
    const long = Array.from({ length: 500 }, (_, index) => `line ${index + 1}`);
    const excerpt = excerptAround('a.ts', long, [{ ...problem, range: { start: { line: 249, character: 0 }, end: { line: 249, character: 1 } } }]);
    assert.deepEqual([excerpt.first, excerpt.last], [230, 270]);
  });

  it('ranks up the names quoted in the message and written on the problem line', () => {
    assert.deepEqual(mentionedNames(FILE, [{ ...problem, message: "Property 'total' does not exist on type 'Counter'." }]), [
      'total',
      'Counter',
      'const',
      'number',
      'zero',
    ]);
  });
});
