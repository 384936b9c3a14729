/**
 * Parley: Analyze Claude Code Session in the real VS Code, in Restricted Mode (reading a
 * transcript runs nothing): the sessions Claude Code keeps (CLAUDE_CONFIG_DIR) are listed newest
 * first, the chosen one is analysed with progress, and the view draws its three charts with the
 * figures and tables; the skipped lines of a damaged transcript are reported. Then the user
 * talks it through: a Log Analysis session starts, and the model (the OpenAI-compatible stand-in)
 * answers with the analysis in its context, and the REPL offers the transcript's records as a
 * table (refused here, in Restricted Mode, saying so; test/integration/hands-cells.test.ts loads it).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, REPO, tempDir } from '../support/paths';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';
import { closeWorkbench, notifications, openWorkbench, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'claude-code-logs');

/** How many pixels of each chart's canvas are painted: a chart that drew nothing has none. */
function paintedPixels(frame: Frame): Promise<number[]> {
  return frame.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted += 1;
      return painted;
    }),
  );
}

describe('Claude Code session analysis in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-claude-session');
  const claude = join(workspace.path, 'claude');
  let codeServer: CodeServer;
  let page: Page;
  let model: OpenAIStandIn;

  before(async () => {
    const project = join(claude, 'projects', '-tmp');
    mkdirSync(project, { recursive: true });
    mkdirSync(join(workspace.path, 'folder'));
    copyFileSync(join(CORPUS, 'todowrite_examples.jsonl'), join(project, 'todowrite_session.jsonl'));
    copyFileSync(join(CORPUS, 'edge_cases.jsonl'), join(project, 'edge_cases.jsonl'));
    utimesSync(join(project, 'todowrite_session.jsonl'), new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'));
    model = await startOpenAIStandIn({ latency: { ttfbMs: 20, interTokenMs: 0 } });
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace: join(workspace.path, 'folder'),
      workspaceTrust: true,
      env: { CLAUDE_CONFIG_DIR: claude },
      settings: { 'parley.llm.provider': 'openai-compatible', 'parley.llm.baseUrl': model.baseURL, 'parley.llm.model': 'local-analyst' },
    });
    page = await openWorkbench(codeServer.url);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    if (model) await model.close();
    workspace.cleanup();
  });

  it('lists the sessions newest first and draws the chosen one’s charts', async () => {
    await runCommand(page, 'Parley: Analyze Claude Code Session', 60_000, { opensQuickInput: true });
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await waitFor(async () => (await rows.count()) >= 3, { timeoutMs: 60_000, what: 'the sessions in the picker' });
    const labels = await Promise.all(Array.from({ length: await rows.count() }, async (_, i) => (await rows.nth(i).getAttribute('aria-label')) ?? ''));
    assert.match(labels[0]!, /markdown/, 'edge_cases.jsonl, the newest, comes first');
    assert.match(labels[1]!, /task management/);
    assert.match(labels.at(-1)!, /Choose a transcript file/);
    await rows.first().click();

    const view = await webviewFrame(page, 'Tool calls by tool', 90_000).catch(async (error: unknown) => {
      await screenshot(page, 'claude-session-no-view');
      throw new Error(`${String(error)}; notifications: ${(await notifications(page)).join(' | ')}`);
    });
    await waitFor(async () => (await view.locator('canvas[data-rendered="true"]').count()) === 3, { timeoutMs: 30_000, what: 'three charts drawn' });
    const painted = await paintedPixels(view);
    assert.equal(painted.length, 3);
    for (const pixels of painted) assert.ok(pixels > 500, `each chart painted something (${painted.join(', ')})`);
    const text = await view.evaluate(() => document.body.innerText);
    assert.match(text, /Tokens over time/);
    assert.match(text, /Errors over the session/);
    assert.match(text, /FailingTool 1 call, 1 failed/);
    assert.match(text, /4 lines were not records and were skipped/);
    assert.match(text, /claude-3-sonnet-20240229/);
    await waitFor(async () => (await notifications(page)).some((n) => /4 lines of the transcript were not records/.test(n)), {
      timeoutMs: 15_000,
      what: 'the notification about the skipped lines',
    });
    await screenshot(page, 'claude-session');
  });

  it('talks the analysis through in a Log Analysis session, the model given the analysis', async () => {
    model.chat.push({ text: 'FailingTool failed once: the command it ran was not found.' });
    const view = await webviewFrame(page, 'Tool calls by tool');
    await view.locator('[data-action="discuss"]').click();
    // Counted first: innerText would wait for an element that a frame of another view never has.
    const badge = (frame: Frame) => frame.locator('[data-field="sessionType"]');
    const panel = await webviewFrame(page, async (frame) => (await badge(frame).count()) > 0 && (await badge(frame).inputValue()) === 'log-analysis', 60_000);
    await waitFor(
      async () =>
        (
          await panel
            .locator('[data-field="connection"]')
            .innerText()
            .catch(() => '')
        ).includes('Connected'),
      {
        timeoutMs: 60_000,
        what: 'the session panel to connect',
      },
    );
    await panel.locator('#composer-input').fill('which tool failed, and why?');
    await panel.locator('#composer-input').press('Enter');
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => /command it ran was not found/.test(await answer.innerText().catch(() => '')), { timeoutMs: 60_000, what: 'the answer' });
    const prompt = JSON.stringify(model.requests.at(-1)?.body);
    assert.match(prompt, /## Session: Log Analysis/);
    assert.match(prompt, /FailingTool: 1 \/ 1/);
    assert.match(prompt, /Command not found/);
    await screenshot(page, 'claude-session-talk');

    // The REPL opens with a button that loads the transcript's records as a table; in Restricted Mode the cell is refused, saying why.
    const load = panel.locator('[data-action="load-records"]');
    await load.waitFor({ state: 'visible', timeout: 15_000 });
    await load.click();
    assert.match(await panel.locator('[data-field="cell-code"]').inputValue(), /records = pd\.read_json\(".*transcript-tables.*\.jsonl", lines=True/);
    await waitFor(async () => /REPL cells do not run in Restricted Mode/.test(await panel.locator('.notice').innerText()), {
      timeoutMs: 15_000,
      what: 'the Restricted Mode notice',
    });
  });
});
