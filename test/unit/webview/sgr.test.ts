/** Command output's colour codes become styled segments for the approval card, carrying over between chunks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applySgr, sgrSegments } from '../../../webview/sgr';

const shown = (text: string, start = {}) =>
  sgrSegments(text, start)
    .filter((segment) => segment.text !== '')
    .map(({ text, classes }) => [text, classes.join(' ')]);

describe('command output colours', () => {
  it('splits text at colour codes and names each piece by its style', () => {
    assert.deepEqual(shown('plain \u001b[1;31mFAIL\u001b[0m test/a.ts \u001b[32m✓\u001b[39m'), [
      ['plain ', ''],
      ['FAIL', 'ansi-fg-1 ansi-bold'],
      [' test/a.ts ', ''],
      ['✓', 'ansi-fg-2'],
    ]);
    assert.deepEqual(shown('\u001b[92;44mbright on blue\u001b[m'), [['bright on blue', 'ansi-fg-10 ansi-bg-4']]);
  });

  it('carries the style from one chunk to the next, including a chunk that is only a code', () => {
    const first = sgrSegments('\u001b[33m');
    assert.deepEqual(first.at(-1)!.style, { fg: 3 });
    assert.deepEqual(shown('warning', first.at(-1)!.style), [['warning', 'ansi-fg-3']]);
  });

  it('skips the arguments of 256 and true colours instead of reading them as codes', () => {
    assert.deepEqual(applySgr({}, '38;5;1'), {});
    assert.deepEqual(applySgr({}, '38;2;255;0;0;1'), { bold: true });
    assert.deepEqual(applySgr({ bold: true, dim: true, fg: 2 }, '22'), { fg: 2 });
  });

  it('leaves text with markup-like characters as text', () => {
    assert.deepEqual(shown('<img src=x onerror=alert(1)>'), [['<img src=x onerror=alert(1)>', '']]);
  });
});
