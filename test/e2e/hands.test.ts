/**
 * "Run the tests" in the real VS Code: the model (the OpenAI-compatible stand-in) asks to run the
 * workspace's failing test suite, the session panel shows the approval card with the exact
 * command, the user clicks Run, the output streams into the card, and the answer cites the
 * failure from the tool result.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { e2eUnavailable } from '../support/codeserver';
import { startModelWorkbench, type ModelWorkbench } from '../support/model-workbench';
import { tempDir } from '../support/paths';
import { openSessionPanel, screenshot, waitFor } from '../support/workbench';

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
    workbench = await startModelWorkbench(workspace.path, { interTokenMs: 5 });
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
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText()).includes('One test fails'), { timeoutMs: 60_000, what: 'the answer' });
    const last = model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!;
    assert.match(JSON.stringify(last.body), /node --test test\/` failed \(exit code 1/);
    await screenshot(page, 'command-ran');
  });
});
