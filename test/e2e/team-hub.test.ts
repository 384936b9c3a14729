/**
 * The team hub in the real VS Code, as a user meets it: Parley: Connect to Team Hub asks for the
 * address and the token (the token goes to secret storage, never to a settings file); the
 * Knowledge Base sidebar then offers Mine / Team / Both, finds a teammate's shared note with their
 * name and its quality, and a vote on it reaches the hub; a note the user shares from the sidebar
 * reaches the teammate; with the hub stopped, the sidebar still finds the user's own notes and says
 * the team part is unavailable. The hub is a real one (`startHub`) on the PostgreSQL of
 * scripts/pg-env.sh.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import type { RunningHub } from '../../server/hub/server';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, tempDir } from '../support/paths';
import { chooseFromContextMenu, closeWorkbench, notifications, openWorkbench, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';
import { addTestUser, freshDatabase, HubClient, testHub, titles, type TestDatabase } from '../integration/hub/support';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

describe('the team hub in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-team');
  let database: TestDatabase;
  let hub: RunningHub;
  let bob: HubClient;
  let token: string;
  let codeServer: CodeServer;
  let page: Page;
  let sidebar: Frame;

  before(async () => {
    database = await freshDatabase('e2e');
    hub = await testHub(database.url);
    token = (await addTestUser(database.url, 'alice', 'core', { credit: true })).token;
    bob = new HubClient(hub.url, (await addTestUser(database.url, 'bob', 'core', { credit: true })).token);
    const uploaded = await bob.upload('Rollback.md', '# Rollback\n\nTo roll back a release, redeploy the previous image tag and flush the CDN.\n', {
      visibility: 'shared',
    });
    assert.equal(uploaded.status, 201);
    mkdirSync(join(workspace.path, 'notes'));
    writeFileSync(join(workspace.path, 'notes', 'Deploy.md'), '# Deploy\n\nA release is deployed with the blue-green switch.\n');
    codeServer = await startCodeServer({ vsix: join(DIST, 'parley.vsix'), workspace: workspace.path });
    page = await openWorkbench(codeServer.url);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    await hub?.close();
    await database?.drop();
    workspace.cleanup();
  });

  it('connects with the address and the token, keeping the token out of every settings file', async () => {
    await runCommand(page, 'Parley: Connect to Team Hub', 15_000, { opensQuickInput: true });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(hub.url);
    await input.press('Enter');
    await waitFor(async () => (await input.getAttribute('type')) === 'password', { timeoutMs: 15_000, what: 'the token box' });
    await input.fill(token);
    await input.press('Enter');
    await waitFor(async () => (await notifications(page)).some((text) => text.includes(`connected to the team hub at ${hub.url}`)), {
      timeoutMs: 30_000,
      what: 'the connected notification',
    });
    for (const file of ['User', 'Machine'].map((scope) => join(codeServer.userDataDir, scope, 'settings.json')).filter((path) => existsSync(path))) {
      assert.equal(readFileSync(file, 'utf8').includes(token), false, `${file} holds no token`);
    }
  });

  it("finds a teammate's note in Team with their name and quality, and a vote on it reaches the hub", async () => {
    const folder = page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^notes$/ });
    await waitFor(async () => (await folder.count()) > 0, { timeoutMs: 30_000, what: 'the notes folder' });
    await chooseFromContextMenu(page, folder.first(), 'Add Folder to Knowledge Base');
    await waitFor(async () => (await notifications(page)).some((text) => /notes is in the knowledge base/.test(text)), {
      timeoutMs: 60_000,
      what: 'the folder added',
    });
    await page.locator('.activitybar .action-item a[aria-label^="Parley"]').first().click();
    sidebar = await webviewFrame(page, 'Knowledge Base', 60_000);
    const query = sidebar.locator('[data-field="kbQuery"]');
    const team = sidebar.locator('[data-field="kbTeam"]');
    // The server restarted with the token: the choice appears once a search says a hub is set.
    await waitFor(
      async () => {
        await query.fill('roll back a release');
        return team.isVisible();
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'the Mine / Team / Both choice' },
    );
    await team.selectOption('team');
    const result = sidebar.locator('.kb-result', { hasText: 'Rollback' });
    await waitFor(async () => (await result.count()) > 0, { timeoutMs: 30_000, what: "bob's passage" });
    assert.match(await result.locator('[data-field="kbContributor"]').innerText(), /bob/);
    assert.match(await result.locator('[data-field="kbQuality"]').innerText(), /quality 0\.50/);
    assert.match(await sidebar.locator('[data-field="kbTeamState"]').innerText(), /1 from the team hub/);
    await screenshot(page, 'team-hub-search');
    await result.getByRole('button', { name: 'Helpful', exact: true }).click();
    await waitFor(async () => (await result.locator('[data-field="kbVotes"]').innerText()) === '1↑ 0↓', { timeoutMs: 15_000, what: 'the vote counted' });
    const seen = await bob.search('roll back a release');
    assert.deepEqual(seen.body.passages[0]?.votes, { up: 1, down: 0 }, 'the vote is on the hub');
  });

  it("opens the teammate's note whole from its result, read-only", async () => {
    await sidebar.locator('.kb-result', { hasText: 'Rollback' }).locator('.kb-path').click();
    await waitFor(async () => (await page.locator('.tab.active', { hasText: 'Rollback.md' }).count()) > 0, { timeoutMs: 15_000, what: 'Rollback.md to open' });
    const text = page.locator('.editor-group-container.active .monaco-editor .view-lines');
    const shown = async () => (await text.innerText()).replace(/\u00a0/g, ' ');
    await waitFor(async () => (await shown()).includes('redeploy the previous image tag and flush the CDN'), { timeoutMs: 15_000, what: "the note's text" });
    await text.click();
    await page.keyboard.type('typed into a teammate note');
    await page.keyboard.press('Enter');
    await waitFor(
      async () =>
        /read-only/.test(
          await page
            .locator('.monaco-editor-overlaymessage')
            .innerText()
            .catch(() => ''),
        ),
      {
        timeoutMs: 5_000,
        what: "VS Code's read-only message",
      },
    );
    assert.equal((await shown()).includes('typed into a teammate note'), false, 'the note cannot be edited');
    await screenshot(page, 'team-hub-note');
  });

  it('shares a note from the sidebar, and the teammate finds it with the author named', async () => {
    await sidebar.locator('[data-field="kbTeam"]').selectOption('mine');
    await sidebar.locator('[data-field="kbQuery"]').fill('blue-green switch');
    const deploy = sidebar.locator('.kb-result', { hasText: 'Deploy' }).first();
    await waitFor(async () => (await deploy.count()) > 0, { timeoutMs: 30_000, what: 'the local Deploy note' });
    await deploy.locator('[data-field="kbVisibility"]').selectOption('shared');
    const found = await waitFor(
      async () => {
        const answer = await bob.search('blue-green switch');
        return titles(answer).includes('Deploy') && answer;
      },
      { timeoutMs: 30_000, what: 'the shared note on the hub' },
    );
    assert.equal(found.body.passages.find((passage) => passage.title === 'Deploy')?.contributor, 'alice');
  });

  it('with the hub stopped, finds the own notes and says the team part is unavailable', async () => {
    await hub.close();
    await sidebar.locator('[data-field="kbTeam"]').selectOption('both');
    await sidebar.locator('[data-field="kbQuery"]').fill('deployed with the blue-green switch');
    const state = sidebar.locator('[data-field="kbTeamState"]');
    await waitFor(async () => /The team part is unavailable: .*cannot be reached.*Your own notes are searched/.test(await state.innerText()), {
      timeoutMs: 30_000,
      what: 'the unavailable line',
    });
    assert.ok((await sidebar.locator('.kb-result', { hasText: 'Deploy' }).count()) > 0, 'the own note is still found');
    await screenshot(page, 'team-hub-down');
  });
});
