/**
 * "Run the tests" in the real VS Code: the model (the OpenAI-compatible stand-in) asks to run the
 * workspace's failing test suite, the session panel shows the approval card with the exact
 * command, the user clicks Run, the command runs in the terminal named "Parley" (a real shell,
 * through its shell integration), the output streams into the card and the terminal, and the
 * answer cites the failure from the tool result. The user then keeps working in that terminal.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { e2eUnavailable } from '../support/codeserver';
import { startModelWorkbench, type ModelWorkbench } from '../support/model-workbench';
import { tempDir } from '../support/paths';
import { openSessionPanel, runCommand, screenshot, waitFor } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

describe('running a command in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-hands');
  let workbench: ModelWorkbench | undefined;
  let model: ModelWorkbench['model'];
  let page: Page;

  before(async () => {
    mkdirSync(join(workspace.path, 'test'));
    writeFileSync(
      join(workspace.path, 'test', 'add.test.js'),
      "const test = require('node:test');\nconst assert = require('node:assert');\ntest('add adds', () => assert.equal(1 - 2, 3));\n",
    );
    // The DOM renderer, so that the terminal's text can be read from the page.
    workbench = await startModelWorkbench(workspace.path, { interTokenMs: 5, settings: { 'terminal.integrated.gpuAcceleration': 'off' } });
    ({ model, page } = workbench);
  });

  after(async () => {
    await workbench?.close();
    workspace.cleanup();
  });

  it('runs the tests once the user approves the card, streams the output and answers with the failure', async () => {
    model.chat.push({ toolCalls: [{ name: 'run_command', input: { command: 'node --test test/', reason: 'To see which tests fail' } }] });
    model.chat.push({ text: 'One test fails: add adds expected 3 but got -1.' });
    const panel = await openSessionPanel(page);
    await panel.locator('#composer-input').fill('run the tests');
    await panel.locator('#composer-input').press('Enter');

    const card = panel.locator('.approval-card').last();
    await waitFor(async () => (await card.count()) > 0, { timeoutMs: 60_000, what: 'the approval card' });
    assert.equal(await card.locator('[data-field=command]').innerText(), 'node --test test/');
    assert.match(await card.innerText(), /To see which tests fail/);
    await screenshot(page, 'approval-card');
    assert.equal(await card.locator('[data-field=output]').isHidden(), true, 'nothing ran before the approval');
    await card.locator('[data-action=run]').click();

    await waitFor(async () => /not ok|fail/i.test(await card.locator('[data-field=output]').innerText()), {
      timeoutMs: 60_000,
      what: 'the output in the card',
    });
    await waitFor(async () => /Failed · exit code 1/.test(await card.locator('[data-field=status]').innerText()), {
      timeoutMs: 60_000,
      what: 'the end of the run',
    });
    assert.equal(
      await card.locator('[data-field=runs-as]').innerText(),
      'Runs in the terminal named "Parley" (shell integration), with time and memory limits.',
    );
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText()).includes('One test fails'), { timeoutMs: 60_000, what: 'the answer' });
    const last = model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!;
    assert.match(JSON.stringify(last.body), /node --test test\/` failed \(exit code 1/);
    await screenshot(page, 'command-ran');

    // Parley does not offer to discuss a failure the assistant ran and already has.
    assert.equal(await page.locator('.part.statusbar .statusbar-item', { hasText: 'failed (exit' }).count(), 0);
  });

  it('shows what ran, its output and how it ended in the terminal named "Parley", where the user keeps working', async () => {
    model.chat.push({ toolCalls: [{ name: 'run_command', input: { command: 'node -e "console.log(6*7)"', reason: 'To compute it' } }] });
    model.chat.push({ text: 'It printed 42.' });
    const panel = await openSessionPanel(page);
    await panel.locator('#composer-input').fill('what is six times seven');
    await panel.locator('#composer-input').press('Enter');
    const card = panel.locator('.approval-card').last();
    await waitFor(
      async () =>
        (await card
          .locator('[data-field=command]')
          .innerText()
          .catch(() => '')) === 'node -e "console.log(6*7)"',
      {
        timeoutMs: 60_000,
        what: 'the second approval card',
      },
    );
    await card.locator('[data-action=run]').click();
    await waitFor(async () => /Succeeded · exit code 0/.test(await card.locator('[data-field=status]').innerText()), {
      timeoutMs: 60_000,
      what: 'the end of the run',
    });

    // The terminal's DOM renderer draws only the rows in view, a long line wrapped over several:
    // the rows are read joined, with the panel maximized so that the whole run is in view (the
    // earlier run's lines can push it up out of a panel of default height).
    await runCommand(page, 'View: Toggle Maximized Panel');
    const terminalText = async () =>
      (
        await page
          .locator('.part.panel .xterm-rows')
          .allInnerTexts()
          .catch(() => [])
      )
        .join('')
        .replace(/\n/g, '');
    await waitFor(async () => /\[done: exit 0, /.test(await terminalText()), { timeoutMs: 30_000, what: 'the end of the run in the terminal' });
    const shown = await terminalText();
    assert.match(
      shown,
      /Parley runs: node -e "console.log\(6\*7\)" \(in the workspace folder; approved in the Parley panel; limits 10 s, 500 MB; stdin closed\)\s*42\s*\[done: exit 0, /,
    );
    assert.match(await page.locator('.part.panel').innerText(), /Parley/);

    // It is the user's shell: they keep working in it.
    await runCommand(page, 'Terminal: Focus Terminal');
    await page.keyboard.type('echo still-mine-$((6*7))\n');
    await waitFor(async () => (await terminalText()).includes('still-mine-42'), { timeoutMs: 30_000, what: "the user's own command in the Parley terminal" });
    await screenshot(page, 'parley-terminal');
  });
});
