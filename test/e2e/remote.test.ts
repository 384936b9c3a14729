/**
 * Parley in a remote window: code-server listening on 127.0.0.2 and opened by that address, so
 * the window is not on the extension host's loopback and asExternalUri rewrites the live
 * WebSocket's 127.0.0.1 address to code-server's port proxy. The session panel and the Knowledge
 * Base view must connect through it, within their Content-Security-Policy.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, tempDir } from '../support/paths';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

const REMOTE_HOST = '127.0.0.2';
const field = (frame: Frame, name: string) => frame.locator(`[data-field="${name}"]`).innerText();

/**
 * The webview once it shows Connected. A remote window's webview is drawn again with the external
 * address in its policy, which detaches the frame first found, so each try looks the frame up anew.
 */
async function connected(page: Page, title: string, detail: () => string): Promise<Frame> {
  return waitFor(
    async () => {
      const frame = await webviewFrame(page, title, 10_000);
      return (await field(frame, 'connection')).includes('Connected') && frame;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${title} to connect (${detail()})` },
  );
}

describe('Parley in a remote window', { skip: unavailable, timeout: 300_000 }, () => {
  const workspace = tempDir('e2e-remote');
  let codeServer: CodeServer;
  let page: Page;
  const sockets: string[] = [];
  const refused: string[] = [];

  before(async () => {
    writeFileSync(join(workspace.path, 'hello.ts'), 'export const greeting: string = "hi";\n');
    codeServer = await startCodeServer({ vsix: join(DIST, 'parley.vsix'), workspace: workspace.path, host: REMOTE_HOST });
    page = await openWorkbench(codeServer.url);
    page.on('websocket', (socket) => sockets.push(socket.url()));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to connect/i.test(message.text())) refused.push(message.text());
    });
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    workspace.cleanup();
  });

  it("the session panel connects to the server through code-server's proxy → Connected, no CSP refusal", async () => {
    assert.ok(codeServer.url.startsWith(`http://${REMOTE_HOST}:`), codeServer.url);
    await runCommand(page, 'Parley: Open Session');
    const panel = await connected(page, 'Parley Session', () => `websockets: ${sockets.join(', ')}; refused: ${refused.join(' | ')}`);
    assert.match(await field(panel, 'knowledgeDb'), /knowledge\.db$/);
    const live = sockets.filter((url) => url.includes('token='));
    assert.ok(live.length > 0 && live.every((url) => url.startsWith(`ws://${REMOTE_HOST}:${codeServer.port}/proxy/`)), `live sockets: ${live.join(', ')}`);
    assert.deepEqual(refused, []);
    await screenshot(page, 'remote-window');
  });

  it('the Knowledge Base view connects the same way → Connected', async () => {
    // A click on the activity bar hides the Parley side bar if it is showing already (revealed by the session's views).
    const pane = page.locator('.part.sidebar .pane-header', { hasText: 'Knowledge Base' });
    if (!(await pane.isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Parley"]').first().click();
    await connected(page, 'Knowledge Base', () => `refused: ${refused.join(' | ')}`);
    assert.deepEqual(refused, []);
  });
});
