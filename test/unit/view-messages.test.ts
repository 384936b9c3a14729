/** What a webview may send the extension: only the declared messages, and only the listed commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Commands } from '../../protocol/commands';
import { ViewMessageSchema } from '../../protocol/webview';

describe('webview messages', () => {
  it('are taken in their declared shapes', () => {
    assert.deepEqual(ViewMessageSchema.parse({ type: 'runCommand', command: Commands.kbSync }), { type: 'runCommand', command: Commands.kbSync });
    assert.deepEqual(ViewMessageSchema.parse({ type: 'openNote', path: '/notes/deploy.md', line: 3 }), { type: 'openNote', path: '/notes/deploy.md', line: 3 });
    const choose = ViewMessageSchema.parse({ type: 'chooseCapture', webviewFailed: { reason: 1 } });
    assert.ok(choose.type === 'chooseCapture' && choose.webviewFailed === undefined, 'a reason that is not text is dropped, the choice still made');
  });

  it('refuse a command a webview may not run, a broken note address and unknown messages', () => {
    for (const message of [
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
      { type: 'openNote', path: '/notes/deploy.md', line: -1 },
      { type: 'openNote', path: 7, line: 1 },
      { type: 'exec', command: 'rm -rf /' },
      null,
      'ready',
    ]) {
      assert.equal(ViewMessageSchema.safeParse(message).success, false, JSON.stringify(message));
    }
  });
});
