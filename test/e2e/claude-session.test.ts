/**
 * Parley: Analyze Claude Code Session in the real VS Code, in Restricted Mode (reading a
 * transcript runs nothing): the sessions Claude Code keeps (CLAUDE_CONFIG_DIR) are listed newest
 * first, the chosen one is analysed with progress, and the view draws its three charts with the
 * figures and tables; the skipped lines of a damaged transcript are reported. Then the user
 * talks it through: a Log Analysis session starts, and the model (the OpenAI-compatible stand-in)
 * answers with the analysis in its context, and the REPL offers the transcript's records as a
 * table: refused in Restricted Mode, saying so; in a trusted workspace the cell runs and shows the
 * records as a table whose token columns add up to the analysis' totals.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { pythonWithMatplotlib } from '../integration/hands/python';
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

/** Talk it through, from the analysis' view: the Log Analysis session's panel, once connected. */
async function talkItThrough(page: Page): Promise<Frame> {
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
  return panel;
}

interface ClaudeWorkbench {
  page: Page;
  model: OpenAIStandIn;
  close(): Promise<void>;
}

/**
 * code-server with Parley, the transcripts of the shared corpus where Claude Code keeps them
 * (edge_cases.jsonl the newest) and the OpenAI-compatible stand-in as the model; the folder in
 * Restricted Mode unless `trusted`.
 */
async function startClaudeWorkbench(name: string, trusted: boolean): Promise<ClaudeWorkbench> {
  const workspace = tempDir(name);
  const claude = join(workspace.path, 'claude');
  const project = join(claude, 'projects', '-tmp');
  mkdirSync(project, { recursive: true });
  mkdirSync(join(workspace.path, 'folder'));
  copyFileSync(join(CORPUS, 'todowrite_examples.jsonl'), join(project, 'todowrite_session.jsonl'));
  copyFileSync(join(CORPUS, 'edge_cases.jsonl'), join(project, 'edge_cases.jsonl'));
  utimesSync(join(project, 'todowrite_session.jsonl'), new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'));
  const model = await startOpenAIStandIn({ latency: { ttfbMs: 20, interTokenMs: 0 } });
  let codeServer: CodeServer | undefined;
  let page: Page | undefined;
  const close = async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    await model.close();
    workspace.cleanup();
  };
  try {
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace: join(workspace.path, 'folder'),
      workspaceTrust: !trusted,
      env: { CLAUDE_CONFIG_DIR: claude },
      settings: { 'parley.llm.provider': 'openai-compatible', 'parley.llm.baseUrl': model.baseURL, 'parley.llm.model': 'local-analyst' },
      ...(trusted ? { machineSettings: { 'parley.hands.python': pythonWithMatplotlib() } } : {}),
    });
    page = await openWorkbench(codeServer.url);
    return { page, model, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Parley: Analyze Claude Code Session on the newest transcript: its view, once analysed. */
async function analyzeNewest(page: Page): Promise<{ view: Frame; labels: string[] }> {
  await runCommand(page, 'Parley: Analyze Claude Code Session', 60_000, { opensQuickInput: true });
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  await waitFor(async () => (await rows.count()) >= 3, { timeoutMs: 60_000, what: 'the sessions in the picker' });
  const labels = await Promise.all(Array.from({ length: await rows.count() }, async (_, i) => (await rows.nth(i).getAttribute('aria-label')) ?? ''));
  await rows.first().click();
  const view = await webviewFrame(page, 'Tool calls by tool', 90_000).catch(async (error: unknown) => {
    await screenshot(page, 'claude-session-no-view');
    throw new Error(`${String(error)}; notifications: ${(await notifications(page)).join(' | ')}`);
  });
  return { view, labels };
}

describe('Claude Code session analysis in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  let workbench: ClaudeWorkbench | undefined;
  let page: Page;
  let model: OpenAIStandIn;

  before(async () => {
    workbench = await startClaudeWorkbench('e2e-claude-session', false);
    ({ page, model } = workbench);
  });

  after(async () => {
    await workbench?.close();
  });

  it('lists the sessions newest first and draws the chosen one’s charts', async () => {
    const { view, labels } = await analyzeNewest(page);
    assert.match(labels[0]!, /markdown/, 'edge_cases.jsonl, the newest, comes first');
    assert.match(labels[1]!, /task management/);
    assert.match(labels.at(-1)!, /Choose a transcript file/);
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
    const panel = await talkItThrough(page);
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

describe('the records of a Claude Code session in the REPL of a trusted workspace', { skip: unavailable, timeout: 600_000 }, () => {
  let workbench: ClaudeWorkbench | undefined;
  let page: Page;

  before(async () => {
    workbench = await startClaudeWorkbench('e2e-claude-records', true);
    page = workbench.page;
  });

  after(async () => {
    await workbench?.close();
  });

  it('loads the transcript as a table whose token columns add up to the analysis', async () => {
    const { view } = await analyzeNewest(page);
    // "N input, M output, … tokens over …": the analysis' own totals, as the view shows them.
    const summary = await view.evaluate(() => document.body.innerText);
    const totals = /(\d+) input, (\d+) output, (\d+) cache-read and (\d+) cache-write tokens/.exec(summary);
    assert.ok(totals, summary);
    const panel = await talkItThrough(page);
    const cards = panel.locator('.approval-card');
    const load = panel.locator('[data-action="load-records"]');
    await load.waitFor({ state: 'visible', timeout: 15_000 });
    await load.click();
    const loaded = cards.first();
    const outcome = () => loaded.locator('[data-field=status]').getAttribute('data-outcome');
    await waitFor(async () => (await loaded.count()) > 0 && (await outcome()) !== null, { timeoutMs: 60_000, what: 'the records cell to end' });
    assert.equal(await outcome(), 'ok', await loaded.innerText());
    const header = await loaded.locator('[data-field=table] th').allInnerTexts();
    for (const column of ['type', 'block', 'tool', 'is_error', 'input_tokens', 'output_tokens'])
      assert.ok(header.includes(column), `${column} in ${header.join(', ')}`);
    await screenshot(page, 'claude-session-records');

    const input = panel.locator('[data-field=cell-code]');
    await input.fill('[int(records[column].sum()) for column in ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"]]');
    await input.press('Control+Enter');
    const sums = cards.nth(1);
    await waitFor(async () => (await sums.count()) > 0 && (await sums.locator('[data-field=status]').getAttribute('data-outcome')) !== null, {
      timeoutMs: 30_000,
      what: 'the sums cell to end',
    });
    assert.equal((await sums.locator('[data-field=output]').innerText()).trim(), `[${totals.slice(1).join(', ')}]`);
  });
});
