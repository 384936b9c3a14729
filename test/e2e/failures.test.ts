/**
 * Failures noticed, in the real VS Code: a task of the workspace's tasks.json exits 1, the status
 * bar offers once to ask Parley about it, accepting asks in the session panel (the model is the
 * OpenAI-compatible stand-in) and the answer shows there. The same task failing again within the
 * dedupe window (extension/failures.ts: 10 minutes, unless it succeeded in between) is noticed but
 * not offered again. A command that fails in a terminal with shell integration is offered with what
 * it printed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { e2eUnavailable, type CodeServer } from '../support/codeserver';
import { startModelWorkbench, type ModelWorkbench } from '../support/model-workbench';
import { tempDir } from '../support/paths';
import { SAVE_WINDOW_MS } from '../../extension/failures';
import { openFileByName, openPalette, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

/** The task counts its runs in runs.log, so the test knows when one has ended. */
const TASKS = {
  version: '2.0.0',
  // It prints a moment after it starts, as a test run does: a new terminal's first command that
  // prints at once can be done before VS Code reports its start, and an extension reading the
  // command's output from that report gets none of it (the offer then comes without output).
  tasks: [{ label: 'test', type: 'shell', command: 'echo run >> runs.log; sleep 1; echo "not ok 1 - add(1, 2) is 3"; exit 1', problemMatcher: [] }],
};

/** One type error to start with, so the test can see TypeScript has read the file before it saves more. */
const ONE_ERROR = 'export const a: string = 1;\n';
/** Three more, each on its own line. */
const FOUR_ERRORS = 'export const a: string = 1;\nexport const b: string = 2;\nexport const c: string = 3;\nexport const d: string = 4;\n';

describe('failures noticed in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-failures');
  const runs = join(workspace.path, 'runs.log');
  let workbench: ModelWorkbench | undefined;
  let model: ModelWorkbench['model'];
  let codeServer: CodeServer;
  let page: Page;

  const offer = () => page.locator('.part.statusbar .statusbar-item', { hasText: 'task failed' });
  const runCount = () => (existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n').length : 0);
  const parleyLog = () =>
    codeServer
      .vscodeLogs()
      .split('\n')
      .filter((line) => /Failure (offered|noticed)/.test(line));

  /** Tasks: Run Task from the command palette, then the task from its picker (which the palette's own helper does not wait for). */
  async function runTask(label: string): Promise<void> {
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const row = page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) });
    try {
      await waitFor(
        async () => {
          await openPalette(page);
          if ((await row.count()) > 0) return true;
          await input.fill('>Tasks: Run Task');
          await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Tasks: Run Task' }).first().waitFor({ state: 'visible', timeout: 2_000 });
          await input.press('Enter');
          // Typed into the picker's filter: the list draws only the rows in view, and on a cold
          // start the detected tasks (tsc's, say) can arrive first and push the configured one down.
          await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Tasks: Run Task' }).first().waitFor({ state: 'hidden', timeout: 5_000 });
          await input.fill(label);
          await row.first().waitFor({ state: 'visible', timeout: 5_000 });
          return true;
        },
        { timeoutMs: 60_000, what: `the task "${label}" in the task picker` },
      );
    } catch (error) {
      await screenshot(page, 'failures-task-picker');
      throw error;
    }
    await row.first().click();
  }

  before(async () => {
    mkdirSync(join(workspace.path, '.vscode'));
    writeFileSync(join(workspace.path, '.vscode', 'tasks.json'), JSON.stringify(TASKS, null, 2));
    mkdirSync(join(workspace.path, 'src'));
    writeFileSync(join(workspace.path, 'src', 'count.ts'), ONE_ERROR);
    writeFileSync(
      join(workspace.path, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ESNext' }, include: ['src'] }),
    );
    // Saves only when the test presses Ctrl+S: an auto-save while it is still typing (a pause on a
    // busy machine) would be a save with half-typed errors, and the offer would be for that one.
    workbench = await startModelWorkbench(workspace.path, { interTokenMs: 2, settings: { 'files.autoSave': 'off' } });
    ({ model, codeServer, page } = workbench);
  });

  after(async () => {
    await workbench?.close();
    workspace.cleanup();
  });

  it('offers once in the status bar when the test task fails, and accepting asks Parley in the panel', async () => {
    await runTask('test');
    await waitFor(() => runCount() === 1 || undefined, { timeoutMs: 60_000, what: 'the task to run' });
    try {
      await waitFor(async () => (await offer().count()) === 1, { timeoutMs: 30_000, what: 'the offer in the status bar' });
    } catch (error) {
      await screenshot(page, 'failures-no-offer');
      throw new Error(
        `${String(error)}\n${codeServer
          .vscodeLogs()
          .split('\n')
          .filter((line) => /parley|task/i.test(line))
          .slice(-30)
          .join('\n')}`,
      );
    }
    assert.equal((await offer().innerText()).trim(), 'The "test" task failed (exit 1). Ask Parley?');
    await screenshot(page, 'failures-offer');

    model.chat.push({ text: 'The test expects add(1, 2) to be 3: add subtracts.' });
    await offer().click();
    const panel = await webviewFrame(page, 'Parley Session', 60_000);
    const question = panel.locator('.turn.user').last();
    await waitFor(async () => (await question.innerText().catch(() => '')).includes('The "test" task failed with exit code 1'), {
      timeoutMs: 60_000,
      what: 'the question in the panel',
    });
    // The task's terminal has shell integration: what the task printed comes with the question.
    assert.match(await question.innerText(), /not ok 1 - add\(1, 2\) is 3/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText().catch(() => '')).includes('add subtracts'), { timeoutMs: 60_000, what: 'the answer in the panel' });
    assert.equal(await offer().count(), 0, 'the offer stayed after it was accepted');
    await screenshot(page, 'failures-answer');
  });

  it('does not offer the same failed task again within the dedupe window', async () => {
    const asked = model.requests.length;
    await runTask('test');
    await waitFor(() => runCount() === 2 || undefined, { timeoutMs: 60_000, what: 'the second run' });
    await waitFor(() => parleyLog().some((line) => line.includes('not offered again')) || undefined, { timeoutMs: 30_000, what: 'the second failure noticed' });
    assert.equal(await offer().count(), 0, 'offered twice');
    assert.equal(parleyLog().filter((line) => line.includes('Failure offered')).length, 1, parleyLog().join('\n'));
    assert.equal(model.requests.length, asked, 'the model was asked again');
  });

  it('offers a command that failed in a terminal with shell integration, with what it printed', async () => {
    const failed = page.locator('.part.statusbar .statusbar-item', { hasText: 'failed (exit 3)' });
    await runCommand(page, 'Terminal: Create New Terminal');
    // The shell reports its commands once its integration has loaded: until the offer shows, the command is typed again.
    await waitFor(
      async () => {
        await page.keyboard.type("sh -c 'echo boom-$((6*7)); exit 3'\n");
        await failed.waitFor({ state: 'visible', timeout: 10_000 });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 0, what: 'the offer for the failed command' },
    );
    await screenshot(page, 'failures-command-offer');
    model.chat.push({ text: 'The command exits 3 on purpose.' });
    await failed.click();
    const panel = await webviewFrame(page, 'Parley Session', 60_000);
    const question = panel.locator('.turn.user').last();
    await waitFor(async () => (await question.innerText().catch(() => '')).includes('My terminal command failed with exit code 3'), {
      timeoutMs: 60_000,
      what: 'the question in the panel',
    });
    // The output comes from the shell integration's stream, which can miss it. When the question
    // has an output section, it is the command's output (42), not its command line ($((6*7))).
    const asked = await question.innerText();
    assert.match(asked, /Command: sh -c/);
    if (asked.includes('Output (the end of it)')) assert.match(asked, /boom-42/);
  });

  it('offers once when a save brings three new type errors, names them when accepted, and a save with the same errors is not offered', async () => {
    const jump = () => page.locator('.part.statusbar .statusbar-item', { hasText: 'new errors after saving count.ts' });
    const file = join(workspace.path, 'src', 'count.ts');
    const squiggles = () => page.locator('.monaco-editor .squiggly-error').count();
    await openFileByName(page, 'count.ts');
    await waitFor(async () => (await squiggles()) === 1, { timeoutMs: 60_000, what: "TypeScript's first error in count.ts" });
    // Typed as a user types, so TypeScript reports the new errors before the save: they count
    // from where the editing began, not from the save.
    await page.keyboard.press('Control+End');
    for (const line of FOUR_ERRORS.slice(ONE_ERROR.length).split('\n').filter(Boolean)) {
      await page.keyboard.type(line, { delay: 10 });
      // Enter would take a suggestion the editor may be showing: close it first.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Enter');
    }
    // Four squiggles on four lines: a check of a line still being typed ("const s") shows two on one line.
    const squiggledLines = () =>
      page
        .locator('.monaco-editor .squiggly-error')
        .evaluateAll((elements) => new Set(elements.map((element) => (element.parentElement as HTMLElement | null)?.style.top)).size);
    await waitFor(async () => (await squiggles()) === 4 && (await squiggledLines()) === 4, {
      timeoutMs: 30_000,
      what: 'the typed errors in the editor before the save',
    });
    await page.keyboard.press('Control+S');
    await waitFor(() => readFileSync(file, 'utf8') === FOUR_ERRORS || undefined, { timeoutMs: 10_000, what: 'count.ts saved with four errors' });
    await waitFor(async () => (await jump().count()) === 1, { timeoutMs: 30_000, what: 'the offer for the new errors' });
    assert.equal((await jump().innerText()).trim(), '3 new errors after saving count.ts. Ask Parley?');
    await screenshot(page, 'failures-problems-offer');

    model.chat.push({ text: 'Each constant is declared a string but set to a number.' });
    await jump().click();
    const panel = await webviewFrame(page, 'Parley Session', 60_000);
    const question = panel.locator('.turn.user').last();
    await waitFor(async () => (await question.innerText().catch(() => '')).includes('Saving src/count.ts brought 3 new errors'), {
      timeoutMs: 60_000,
      what: 'the question in the panel',
    });
    const asked = await question.innerText();
    for (const line of [2, 3, 4]) assert.match(asked, new RegExp(`src/count\\.ts:${line} \\[ts\\]: Type 'number' is not assignable to type 'string'`), asked);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText().catch(() => '')).includes('set to a number'), { timeoutMs: 60_000, what: 'the answer in the panel' });
    assert.equal(await jump().count(), 0, 'the offer stayed after it was accepted');

    // Saving again with the same errors: through the whole window in which a jump would count, no offer.
    // The panel has the focus now: back to the file's tab, which focuses its editor.
    await page.locator('.tab', { hasText: 'count.ts' }).first().click();
    await waitFor(async () => (await page.locator('.monaco-editor.focused').count()) > 0, {
      timeoutMs: 10_000,
      what: 'the editor of count.ts to have the focus',
    });
    await page.keyboard.press('Control+End');
    await page.keyboard.type('// the same four errors\n');
    await page.keyboard.press('Control+S');
    await waitFor(() => readFileSync(file, 'utf8').endsWith('// the same four errors\n') || undefined, { timeoutMs: 10_000, what: 'the second save' });
    const saved = Date.now();
    await waitFor(
      async () => {
        assert.equal(await jump().count(), 0, 'offered again after a save with the same errors');
        return Date.now() - saved > SAVE_WINDOW_MS + 1_000;
      },
      { timeoutMs: SAVE_WINDOW_MS + 10_000, what: 'the save window to pass' },
    );
    assert.equal(parleyLog().filter((line) => line.includes('Failure offered: 3 new errors')).length, 1, parleyLog().join('\n'));
  });
});
