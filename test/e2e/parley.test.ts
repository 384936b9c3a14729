/**
 * Parley in a real VS Code: the packaged VSIX installed into code-server, driven through
 * Chromium as a user would — command palette, activity bar, webviews, a key entered in the
 * password box, a restart from the palette and a server killed from outside.
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
// In CI the environment script has run, so a missing code-server is a failure, not a reason to skip.
if (unavailable && process.env.CI) throw new Error(unavailable);

const FAKE_KEY = 'sk-ant-e2e-0123456789abcdefghijklmnop';

const field = (frame: Frame, name: string) => frame.locator(`[data-field="${name}"]`).innerText();

async function connectedPid(frame: Frame, notPid?: string): Promise<string> {
  return waitFor(
    async () => {
      const connection = await field(frame, 'connection');
      if (!connection.includes('Connected')) return undefined;
      const pid = await field(frame, 'pid');
      return pid && pid !== notPid ? pid : undefined;
    },
    { timeoutMs: 60_000, what: notPid ? `the panel to reconnect to a new server (old pid ${notPid})` : 'the panel to connect' },
  );
}

describe('Parley in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-ws');
  let codeServer: CodeServer;
  let page: Page;

  before(async () => {
    writeFileSync(join(workspace.path, 'hello.ts'), 'export const greeting: string = "hi";\n');
    codeServer = await startCodeServer({ vsix: join(DIST, 'parley.vsix'), workspace: workspace.path });
    page = await openWorkbench(codeServer.url);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    workspace.cleanup();
  });

  it('shows the server state in the status bar', async () => {
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'Parley' });
    await waitFor(async () => (await item.count()) > 0, { timeoutMs: 60_000, what: 'the Parley status bar item' });
    await waitFor(async () => !(await item.first().locator('.codicon-loading').count()), { timeoutMs: 60_000, what: 'the server to leave "starting"' });
  });

  it('opens the session panel from the palette, showing live data from the server', async () => {
    await runCommand(page, 'Parley: Open Session');
    const panel = await webviewFrame(page, 'Parley Session', 60_000);
    await connectedPid(panel);
    assert.match(await field(panel, 'sqliteVec'), /^v0\.\d+\.\d+$/);
    assert.match(await field(panel, 'node'), /^2[2-9]\.|^[3-9]\d\./);
    assert.equal(await field(panel, 'fts5'), 'FTS5 available');
    assert.match(await field(panel, 'knowledgeDb'), /knowledge\.db$/);
    const llm = await panel.locator('[data-stage="llm"]').innerText();
    assert.match(llm, /not configured — Set an Anthropic key/);
    // The local programs, found or with the command that installs them (the e2e machine has git).
    assert.match(await panel.locator('[data-program="git"]').innerText(), /git[\s\S]*\/git$/);
    assert.match(await panel.locator('[data-program="voice"]').innerText(), /system voice/);
    await screenshot(page, 'session-panel');
  });

  it('opens the Knowledge Base view from the activity bar', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="Parley"]').first().click();
    const sidebar = await webviewFrame(page, 'Knowledge Base', 60_000);
    await waitFor(async () => (await field(sidebar, 'connection')).includes('Connected'), { timeoutMs: 60_000, what: 'the sidebar to connect' });
    assert.match(await field(sidebar, 'knowledgeDb'), /knowledge\.db$/);
    assert.match(await sidebar.locator('[data-stage="embeddings"]').innerText(), /builtin[\s\S]*configured/);
    await screenshot(page, 'session');
  });

  it('restarts the server from the palette and the panel reconnects to the new one', async () => {
    const panel = await webviewFrame(page, 'Parley Session');
    const before = await connectedPid(panel);
    await runCommand(page, 'Parley: Restart Server');
    const after = await connectedPid(panel, before);
    assert.notEqual(after, before);
    await screenshot(page, 'after-restart');
  });

  it('restarts a server killed from outside and the panel reconnects', async () => {
    const panel = await webviewFrame(page, 'Parley Session');
    const before = await connectedPid(panel);
    process.kill(Number(before), 'SIGKILL');
    const after = await connectedPid(panel, before);
    assert.notEqual(after, before);
  });

  it('stores a key entered in the password box and restarts the server to use it', async () => {
    const panel = await webviewFrame(page, 'Parley Session');
    const before = await connectedPid(panel);
    await runCommand(page, 'Parley: Set API Key', 15_000, { opensQuickInput: true });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const anthropic = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Anthropic' });
    await waitFor(async () => (await anthropic.count()) > 0, { timeoutMs: 15_000, what: 'the provider list' });
    await input.fill('Anthropic');
    await input.press('Enter');
    await waitFor(async () => (await input.getAttribute('type')) === 'password', { timeoutMs: 15_000, what: 'the password input' });
    await input.fill(FAKE_KEY);
    await input.press('Enter');
    await connectedPid(panel, before);
    await waitFor(async () => /configured$/m.test(await panel.locator('[data-stage="llm"]').innerText()), {
      timeoutMs: 30_000,
      what: 'the language model to show as configured',
    });
    assert.ok(!(await panel.locator('body').innerText()).includes(FAKE_KEY), 'the key is not shown');
    await screenshot(page, 'key-set');
  });

  it('shows the log from the palette, without the key in it', async () => {
    await runCommand(page, 'Parley: Show Log');
    // Monaco renders spaces as non-breaking spaces.
    const outputText = async () => (await page.locator('.part.panel .monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');
    await waitFor(async () => /Parley server .* on Node/.test(await outputText()), { timeoutMs: 30_000, what: 'the Parley log in the Output panel' });
    assert.ok(!(await outputText()).includes(FAKE_KEY));
    assert.ok(!codeServer.vscodeLogs().includes(FAKE_KEY), 'no VS Code log file holds the key');
    await screenshot(page, 'log');
  });
});
