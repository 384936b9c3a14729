/** What a webview may send the extension: only the declared messages, and only the listed commands. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Commands } from '../../protocol/commands';
import { HostMessageSchema, ViewMessageSchema } from '../../protocol/webview';

describe('webview messages', () => {
  it('are taken in their declared shapes', () => {
    assert.deepEqual(ViewMessageSchema.parse({ type: 'runCommand', command: Commands.kbSync }), { type: 'runCommand', command: Commands.kbSync });
    assert.deepEqual(ViewMessageSchema.parse({ type: 'openNote', path: '/notes/deploy.md', line: 3 }), { type: 'openNote', path: '/notes/deploy.md', line: 3 });
    assert.deepEqual(ViewMessageSchema.parse({ type: 'openNote', path: 'ops/deploy.md', line: 3, teamDocument: 12 }), {
      type: 'openNote',
      path: 'ops/deploy.md',
      line: 3,
      teamDocument: 12,
    });
    const choose = ViewMessageSchema.parse({ type: 'chooseCapture', webviewFailed: { reason: 1 } });
    assert.ok(choose.type === 'chooseCapture' && choose.webviewFailed === undefined, 'a reason that is not text is dropped, the choice still made');
  });

  it('refuse a command a webview may not run, a broken note address and unknown messages', () => {
    for (const message of [
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
      { type: 'openNote', path: '/notes/deploy.md', line: -1 },
      { type: 'openNote', path: 7, line: 1 },
      { type: 'openNote', path: 'deploy.md', line: 1, teamDocument: 0 },
      { type: 'openNote', path: 'deploy.md', line: 1, teamDocument: '../1' },
      { type: 'exec', command: 'rm -rf /' },
      null,
      'ready',
    ]) {
      assert.equal(ViewMessageSchema.safeParse(message).success, false, JSON.stringify(message));
    }
  });
});

describe('extension messages, as a webview reads them', () => {
  it('are taken in their declared shapes', () => {
    for (const message of [
      { type: 'connect', endpoint: { url: 'ws://127.0.0.1:4000/live', token: 't' } },
      { type: 'ask', text: 'Explain this error' },
      { type: 'captureChoice', choice: { start: 'native', notice: 'The panel has no microphone here.' } },
      { type: 'captureChoice', choice: { start: 'none', notice: 'Nothing can record here.' } },
      { type: 'rpc', message: { jsonrpc: '2.0', id: 1, result: null } },
    ])
      assert.deepEqual(HostMessageSchema.parse(message), message);
  });

  it('refuse other shapes: a choice of nothing without a reason, an endpoint without a token, unknown messages', () => {
    for (const message of [
      { type: 'captureChoice', choice: { start: 'none' } },
      { type: 'captureChoice', choice: { start: 'radio', notice: 'x' } },
      { type: 'connect', endpoint: { url: 'ws://127.0.0.1:4000/live' } },
      { type: 'rpc', message: 'text' },
      { type: 'navigate', url: 'https://example.com' },
      undefined,
    ])
      assert.equal(HostMessageSchema.safeParse(message).success, false, JSON.stringify(message));
  });
});
