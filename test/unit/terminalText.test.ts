/**
 * What the terminal named "Parley" prints for the commands the server runs (extension/terminalText.ts):
 * the command line and folder once per run, the output with CRLF line ends and its colours as they
 * are, the exit line on a line of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TerminalText } from '../../extension/terminalText';

const run = { runId: 'r1', command: 'npm test', cwd: '/w' };
const plain = (text: string) => text.replace(/\u001b\[[\d;]*m/g, '');

describe('the Parley terminal text', () => {
  it('shows the command line once, the output with CRLF, and the exit line on its own line', () => {
    const text = new TerminalText();
    const out = [
      text.render(run),
      text.render({ ...run, chunk: 'ok 1\nnot ok 2' }),
      text.render({ ...run, chunk: '\u001b[31mFAIL\u001b[0m' }),
      text.render({ ...run, exit: { code: 1, ms: 2_345 } }),
    ];
    assert.equal(plain(out.join('')), '$ npm test (in /w)\r\nok 1\r\nnot ok 2FAIL\r\n[exit 1 · 2.3 s]\r\n');
    assert.ok(out[2]!.includes('\u001b[31mFAIL'), 'colours pass through');
    assert.equal(text.shown('r1'), false, 'the run is over');
  });

  it('introduces a run whose first message is output, separates runs by a blank line, and says when a signal stopped one', () => {
    const text = new TerminalText();
    const first = text.render({ ...run, chunk: 'a\n', exit: { code: 0 } });
    const second = text.render({ runId: 'r2', command: 'sleep 100', cwd: '/w', exit: { code: null, signal: 'SIGKILL', ms: 1_000 } });
    assert.equal(plain(first), '$ npm test (in /w)\r\na\r\n[exit 0]\r\n');
    assert.equal(plain(second), '\r\n$ sleep 100 (in /w)\r\n[stopped (SIGKILL) · 1.0 s]\r\n');
  });
});
