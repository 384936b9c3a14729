/**
 * Parley in VS Code's Restricted Mode: a git repository opened with workspace trust on, as a
 * freshly cloned one is. Parley still activates (activity bar, Knowledge Base view, status item),
 * its session panel connects, and Parley: Review Repository gives the static review without
 * running git. Once the user trusts the folder from the Restricted Mode status item and the Trust
 * button, the next review reads git and finds the change hotspot.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, tempDir } from '../support/paths';
import { git, plantRepository } from '../support/review-repo';
import { closeWorkbench, notifications, openSessionPanel, openWorkbench, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

const REPORT_TITLE = 'Repository review: planted';
const RESTRICTED_SENTENCE = 'Change hotspots need git history, which Parley reads only in a trusted workspace';

const bodyText = (frame: Frame) => frame.evaluate(() => document.body.innerText);

/** The Restricted Mode entry VS Code puts in the status bar while the folder is untrusted. */
const restrictedStatus = (page: Page) => page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' });

/** Runs the review from the palette and resolves with the text of a report that `accepts`. */
async function review(page: Page, codeServer: CodeServer, accepts: (text: string) => boolean, shot: string): Promise<string> {
  await runCommand(page, 'Parley: Review Repository', 60_000);
  const report = await webviewFrame(
    page,
    async (frame) => {
      const text = await bodyText(frame);
      return text.includes(REPORT_TITLE) && accepts(text);
    },
    90_000,
  ).catch(async (error: unknown) => {
    await screenshot(page, shot);
    const parleyLog = codeServer
      .vscodeLogs()
      .split('\n')
      .filter((line) => /parley|review|trust/i.test(line))
      .slice(-30)
      .join('\n');
    throw new Error(`${String(error)}; notifications: ${(await notifications(page)).join(' | ')}\n${parleyLog}`);
  });
  return bodyText(report);
}

describe('Parley in Restricted Mode in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-restricted');
  const root = join(workspace.path, 'planted');
  let codeServer: CodeServer;
  let page: Page;
  let head: string;

  before(async () => {
    plantRepository(root);
    head = git(root, 'rev-parse', 'HEAD').trim();
    codeServer = await startCodeServer({ vsix: join(DIST, 'parley.vsix'), workspace: root, workspaceTrust: true });
    page = await openWorkbench(codeServer.url);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    workspace.cleanup();
  });

  it('opens the cloned repository in Restricted Mode', async () => {
    await waitFor(async () => (await restrictedStatus(page).count()) > 0, { timeoutMs: 30_000, what: 'Restricted Mode in the status bar' });
    const banner = page.locator('.part.banner');
    await waitFor(async () => /Restricted Mode/.test(await banner.innerText().catch(() => '')), { timeoutMs: 30_000, what: 'the Restricted Mode banner' });
  });

  it('shows Parley in the activity bar and the status bar, and its Knowledge Base view connects', async () => {
    const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'Parley' });
    await waitFor(async () => (await item.count()) > 0, { timeoutMs: 60_000, what: 'the Parley status bar item' });
    await waitFor(async () => !(await item.first().locator('.codicon-loading').count()), { timeoutMs: 60_000, what: 'the server to leave "starting"' });
    assert.equal(await item.first().locator('.codicon-circle-slash, .codicon-error').count(), 0, 'the server is not stopped or failing');
    await page.locator('.activitybar .action-item a[aria-label^="Parley"]').first().click();
    const sidebar = await webviewFrame(page, 'Knowledge Base', 60_000);
    await waitFor(async () => (await sidebar.locator('[data-field="connection"]').innerText()).includes('Connected'), {
      timeoutMs: 60_000,
      what: 'the sidebar to connect',
    });
  });

  it('opens the session panel, connected to the server', async () => {
    const panel = await openSessionPanel(page);
    assert.match(await panel.locator('[data-field="knowledgeDb"]').innerText(), /knowledge\.db$/);
    await screenshot(page, 'restricted-window');
  });

  it('reviews the repository without reading git', async () => {
    const text = await review(page, codeServer, (t) => t.includes('git not read'), 'restricted-no-report');
    assert.match(text, /git not read \(Restricted Mode\)/);
    assert.ok(text.includes(RESTRICTED_SENTENCE), 'the report says why there are no change hotspots');
    assert.doesNotMatch(text, /Change hotspot:/);
    assert.ok(!text.includes(head.slice(0, 10)), 'the report names no commit');
    assert.match(text, /Dependency cycle between modules src\/core → src\/ui → src\/core/, 'the static review still runs');
    await screenshot(page, 'restricted-review');
  });

  it('reads git once the user trusts the folder, without a reload', async () => {
    await restrictedStatus(page).first().click();
    const trust = page.locator('.workspace-trust-editor .workspace-trust-buttons-row .monaco-button', { hasText: /^Trust$/ });
    await waitFor(async () => (await trust.count()) > 0, { timeoutMs: 30_000, what: 'the Trust button of the Workspace Trust editor' });
    await trust.first().click();
    await waitFor(async () => (await restrictedStatus(page).count()) === 0, { timeoutMs: 30_000, what: 'Restricted Mode to leave the status bar' });

    // The extension tells the server (parley/workspaceTrust) as VS Code grants trust, ahead of the
    // review's request on the same connection, so this first review after the grant reads git.
    const text = await review(page, codeServer, (t) => t.includes(`commit ${head.slice(0, 10)}`), 'trusted-no-report');
    assert.match(text, /Change hotspot: src\/core\/engine\.ts/);
    assert.ok(!text.includes('git not read'), 'the header names the commit, not Restricted Mode');
    assert.ok(!text.includes(RESTRICTED_SENTENCE));
    await screenshot(page, 'trusted-review');
  });
});
