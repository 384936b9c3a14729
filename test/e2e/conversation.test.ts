/**
 * A typed conversation in the real VS Code: the user types in the session panel, the model (the
 * OpenAI-compatible stand-in, reached by the server through the official SDK) reads the open file
 * and proposes an edit, VS Code shows the edit as a preview, the user applies it, and the file on
 * disk changes only then. Then the sessions: a timed Debugging session shows its time left, the
 * Sessions view lists both, the panel switches the type, a search finds the first session and
 * opens it again, and the other is deleted from the view.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { e2eUnavailable } from '../support/codeserver';
import { startModelWorkbench, type ModelWorkbench } from '../support/model-workbench';
import { tempDir } from '../support/paths';
import { openFileByName, openSessionPanel, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

describe('typed conversation in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-chat');
  const file = join(workspace.path, 'src', 'math.ts');
  let workbench: ModelWorkbench | undefined;
  let model: ModelWorkbench['model'];
  let page: Page;

  before(async () => {
    mkdirSync(join(workspace.path, 'src'));
    writeFileSync(file, 'export const add = (a: number, b: number) => a - b;\n');
    workbench = await startModelWorkbench(workspace.path, { interTokenMs: 5, settings: { 'parley.sessions.timeLimitMinutes.debugging': 30 } });
    ({ model, page } = workbench);
  });

  after(async () => {
    await workbench?.close();
    workspace.cleanup();
  });

  it('answers a typed question with a previewed edit that the user applies', async () => {
    await openFileByName(page, 'math.ts');
    const quickInput = page.locator('.quick-input-widget .quick-input-box input');
    await waitFor(
      async () => {
        if (!(await quickInput.isVisible())) return true;
        await page.keyboard.press('Escape');
        return false;
      },
      { timeoutMs: 10_000, what: 'quick open to close' },
    );

    model.chat.push({ toolCalls: [{ name: 'read_file', input: { path: 'src/math.ts' } }] });
    model.chat.push({ toolCalls: [{ name: 'propose_edit', input: { path: 'src/math.ts', oldText: 'a - b', newText: 'a + b', summary: 'Make add add' } }] });
    model.chat.push({ text: 'add subtracted b. The fix is in `math.ts`:\n\n```ts\nexport const add = (a: number, b: number) => a + b;\n```' });

    const panel = await openSessionPanel(page);
    await panel.locator('#composer-input').fill('why does add return the wrong number?');
    await panel.locator('#composer-input').press('Enter');

    // VS Code previews the proposed edit; nothing is written before the user applies it.
    const apply = page.locator('.refactor-preview .monaco-button, .part.panel .monaco-button', { hasText: /^Apply$/ });
    await waitFor(async () => (await apply.count()) > 0, { timeoutMs: 60_000, what: 'the refactor preview' });
    assert.equal(readFileSync(file, 'utf8'), 'export const add = (a: number, b: number) => a - b;\n');
    await screenshot(page, 'edit-preview');
    // Changes that need confirmation start unchecked: the user ticks the file, then applies.
    const fileToggle = page.locator('.part.panel .edit-checkbox').first();
    await fileToggle.click();
    await waitFor(async () => (await fileToggle.getAttribute('aria-checked')) === 'true', { timeoutMs: 10_000, what: 'the change to be ticked' });
    await apply.first().click();

    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText()).includes('add subtracted b'), { timeoutMs: 60_000, what: 'the answer' });
    assert.equal(await answer.locator('pre code').innerText(), 'export const add = (a: number, b: number) => a + b;\n');
    assert.match(await answer.locator('[data-tool="propose_edit"] summary').innerText(), /propose edit · src\/math\.ts/);
    await waitFor(() => readFileSync(file, 'utf8') === 'export const add = (a: number, b: number) => a + b;\n' || undefined, {
      timeoutMs: 15_000,
      what: 'the applied edit on disk',
    });
    assert.match(await answer.locator('[data-field="latency"]').innerText(), /first token \d+ ms/);
    await screenshot(page, 'conversation');
  });

  it('exports the session as Markdown into the workspace', async () => {
    await runCommand(page, 'Parley: Export Session', 15_000, { opensQuickInput: true });
    // The save dialog (VS Code's simple file dialog in the browser) proposes a name in the workspace.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await waitFor(async () => (await input.inputValue()).endsWith('.md'), { timeoutMs: 15_000, what: 'the save dialog' });
    await input.press('Enter');
    // The file can appear empty, or part-written, a moment before all its content lands: wait for its last turn.
    const markdown = await waitFor(
      () => {
        const exported = readdirSync(workspace.path).find((name) => name.startsWith('parley-session-') && name.endsWith('.md'));
        const text = exported ? readFileSync(join(workspace.path, exported), 'utf8') : '';
        return text.includes('`propose_edit`') ? text : undefined;
      },
      { timeoutMs: 15_000, what: 'the exported file with its content' },
    );
    assert.match(markdown, /^# Parley session/);
    assert.match(markdown, /### You · .*\n\nwhy does add return the wrong number\?/);
    assert.match(markdown, /- `propose_edit` \{"path":"src\/math\.ts"/);
    // The export opens the file once written; until its editor has focus, that opening can close a quick input the next step shows.
    await waitFor(async () => (await page.locator('.tab.active', { hasText: /parley-session-.*\.md/ }).count()) > 0, {
      timeoutMs: 15_000,
      what: 'the exported file to open',
    });
  });

  it('starts a timed Debugging session, lists the sessions, switches type, finds the first by search, goes back to it and deletes the other', async () => {
    /** Waits for `locator`'s text to match. */
    const shows = (locator: Locator, pattern: RegExp, what: string) =>
      waitFor(async () => pattern.test(await locator.innerText().catch(() => '')), { timeoutMs: 30_000, what });
    await page.locator('.activitybar .action-item a[aria-label^="Parley"]').first().click();
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Sessions/ }) });
    const rows = pane.locator('.monaco-list-row');
    const row = (title: string) => rows.filter({ has: page.locator('.label-name', { hasText: title }) });
    const first = row('why does add return the wrong number?');
    const other = row('the build is red after the upgrade');
    await shows(first, /in progress · Collaborative Coding/, 'the first session in the Sessions view, in progress');

    await runCommand(page, 'Parley: New Session', 15_000, { opensQuickInput: true });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('Debugging');
    await input.press('Enter');
    const panel = await webviewFrame(page, 'Parley Session', 30_000);
    const type = panel.locator('[data-field="sessionType"]');
    const typeIs = (value: string, what: string) => waitFor(async () => (await type.inputValue().catch(() => '')) === value, { timeoutMs: 30_000, what });
    await typeIs('debugging', 'the Debugging session in the panel');
    // The 30-minute limit of parley.sessions.timeLimitMinutes.debugging, counting down.
    await shows(panel.locator('[data-field="sessionTime"]'), /^(30|29) min left$/, 'the time left');

    const ask = async (question: string, answer: string) => {
      model.chat.push({ text: answer });
      await panel.locator('#composer-input').fill(question);
      await panel.locator('#composer-input').press('Enter');
      await shows(panel.locator('.turn.assistant:not(.streaming)').last(), new RegExp(answer), `the answer to "${question}"`);
    };
    await ask('the build is red after the upgrade', 'Start from the failing test.');
    await shows(other, /in progress · Debugging/, 'the new session in the Sessions view');
    assert.match(await rows.first().innerText(), /the build is red/, 'newest first');

    await type.selectOption('repo-review');
    await shows(other, /in progress · Repo Review/, 'the switched type in the Sessions view');
    await ask('which finding matters most?', 'The tokenizer finding matters most.');
    assert.match(JSON.stringify(model.requests.at(-1)?.body), /## Session: Repo Review/);

    await runCommand(page, 'Parley: Search Past Sessions', 15_000, { opensQuickInput: true });
    await input.fill('wrong number');
    await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'why does add return the wrong number' })
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
    await typeIs('coding', 'the first session back in the panel');
    assert.match(await panel.locator('.transcript').innerText(), /why does add return the wrong number\?/);
    assert.equal(await panel.locator('[data-field="sessionTime"]').count(), 0, 'a session without a limit shows no time');

    await shows(first, /in progress/, 'the first session in progress again');
    await other.hover();
    await other.locator('.action-label[aria-label="Delete Past Session"]').click();
    await page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Delete$/ }).click();
    await waitFor(async () => (await other.count()) === 0, { timeoutMs: 15_000, what: 'the deleted session gone from the view' });
    await screenshot(page, 'sessions-view');
  });
});
