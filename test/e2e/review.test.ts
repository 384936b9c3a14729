/**
 * Parley: Review Repository in the real VS Code: on a repository with planted problems, the user
 * runs the command from the palette, the report opens in the Markdown preview with the overview
 * and the ranked findings (the model's among them, from the OpenAI-compatible stand-in), and the
 * Problems panel lists the findings with source "Parley".
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { SERVER_NODE_FLAGS } from '../../protocol/serverProcess';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, tempDir } from '../support/paths';
import { plantRepository } from '../support/review-repo';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';
import type { RecordedRequest } from '../support/standins/exchange';
import { closeWorkbench, notifications, openWorkbench, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

const LEAK = {
  title: 'Engines leak in the registry',
  explanation: 'registerWidget adds an engine for every call and nothing removes them.',
  file: 'src/core/registry.ts',
  startLine: 4,
  endLine: 4,
  severity: 'error',
  fix: 'Remove an engine when its widget goes away.',
};

/** An edit for the leak, as the model answers Fix with Parley: an unregister function after registerWidget. */
const LEAK_FIX = {
  summary: 'Widgets can be unregistered, which removes their engine',
  edits: [{ startLine: 10, endLine: 10, lines: ['}', '', 'export function unregisterWidget(name: string): void {', '  engines.delete(name);', '}'] }],
};

/** The model finds the leak when it reviews src/core, and nothing elsewhere; asked for a fix, it gives LEAK_FIX. */
function reply(request: RecordedRequest) {
  const body = JSON.stringify(request.body);
  if (!body.includes('Module under review')) return { text: JSON.stringify(LEAK_FIX) };
  return { text: JSON.stringify({ findings: body.includes('Module under review: src/core') ? [LEAK] : [] }) };
}

/** The command lines of the processes running the installed extension's language server. */
function serverCommandLines(extensionsDir: string): string[][] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')];
      } catch {
        return []; // the process ended while the list was read
      }
    })
    .filter((argv) => argv.some((arg) => arg.startsWith(extensionsDir) && arg.endsWith('/dist/server.js')));
}

describe('repository review in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-review');
  const root = join(workspace.path, 'planted');
  let model: OpenAIStandIn;
  let codeServer: CodeServer;
  let page: Page;

  before(async () => {
    plantRepository(root);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 20, interTokenMs: 0 } });
    for (let request = 0; request < 12; request++) model.chat.push(reply);
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace: root,
      settings: { 'parley.llm.provider': 'openai-compatible', 'parley.llm.baseUrl': model.baseURL, 'parley.llm.model': 'local-reviewer' },
    });
    page = await openWorkbench(codeServer.url);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    if (model) await model.close();
    workspace.cleanup();
  });

  it('opens the report in the Markdown preview, with the overview and the ranked findings', async () => {
    await runCommand(page, 'Parley: Review Repository', 60_000);
    const report = await webviewFrame(page, 'Repository review: planted', 90_000).catch(async (error: unknown) => {
      await screenshot(page, 'review-no-report');
      const parleyLog = codeServer
        .vscodeLogs()
        .split('\n')
        .filter((line) => /parley|review/i.test(line))
        .slice(-30)
        .join('\n');
      throw new Error(`${String(error)}; notifications: ${(await notifications(page)).join(' | ')}\n${parleyLog}`);
    });
    const text = await report.evaluate(() => document.body.innerText);
    assert.match(text, /Main modules/);
    assert.match(text, /Most central symbols/);
    assert.match(text, /1\. Error: Engines leak in the registry/, 'the model finding, an error, comes first');
    assert.match(text, /Dependency cycle between modules src\/core → src\/ui → src\/core/);
    assert.match(text, /Change hotspot: src\/core\/engine\.ts/);
    assert.ok(model.requests.length >= 1, 'the model was asked');
    await waitFor(async () => (await notifications(page)).some((n) => /Parley reviewed \d+ files/.test(n)), {
      timeoutMs: 15_000,
      what: 'the notification with the counts',
    });
    await screenshot(page, 'review-report');
  });

  it('runs the language server, which holds the index, with the Node flags that bound its memory', () => {
    const servers = serverCommandLines(codeServer.extensionsDir);
    assert.equal(servers.length, 1, 'one language server for the window');
    for (const flag of SERVER_NODE_FLAGS) assert.ok(servers[0]!.includes(flag), `${flag} in ${servers[0]!.join(' ')}`);
  });

  it("opens a finding's place from its link in the report", async () => {
    const report = await webviewFrame(page, 'Repository review: planted');
    await report.locator('a', { hasText: 'src/core/registry.ts:4' }).first().click();
    await waitFor(async () => (await page.locator('.tab.active', { hasText: 'registry.ts' }).count()) > 0, { timeoutMs: 15_000, what: 'registry.ts to open' });
    const selection = page.locator('.statusbar-item[id$="status.editor.selection"]');
    await waitFor(async () => /Ln 4,/.test(await selection.innerText().catch(() => '')), { timeoutMs: 10_000, what: 'the cursor on the finding (line 4)' });
  });

  it('lists the findings in the Problems panel with source Parley', async () => {
    await runCommand(page, 'View: Focus on Problems View', 15_000).catch(() => page.keyboard.press('Control+Shift+M'));
    const problems = page.locator('.markers-panel');
    await waitFor(async () => /Parley/.test(await problems.innerText().catch(() => '')), {
      timeoutMs: 30_000,
      what: 'Parley findings in the Problems panel',
    }).catch(async (error: unknown) => {
      await screenshot(page, 'review-no-problems');
      throw error;
    });
    const text = await problems.innerText();
    assert.match(text, /Engines leak in the registry/);
    assert.match(text, /Busy module without tests/);
    await screenshot(page, 'review-problems');
  });

  it('fixes a finding from the lightbulb, starting from the fix the review suggested', async () => {
    await page.locator('.tab', { hasText: 'registry.ts' }).first().click();
    await runCommand(page, 'Go to Line/Column...', 15_000, { opensQuickInput: true });
    await page.keyboard.type('4:1');
    await page.keyboard.press('Enter');
    const fixRow = page.locator('.action-widget .monaco-list-row', { hasText: 'Fix with Parley' });
    await waitFor(
      async () => {
        if ((await fixRow.count()) > 0) return true;
        await page.keyboard.press('Control+Period');
        return false;
      },
      { timeoutMs: 30_000, intervalMs: 1_000, what: 'Fix with Parley in the quick fixes on the finding' },
    ).catch(async (error: unknown) => {
      await screenshot(page, 'review-no-quick-fix');
      throw error;
    });
    const asked = model.requests.length;
    await fixRow.first().click();
    const apply = page.locator('.refactor-preview .monaco-button, .part.panel .monaco-button', { hasText: /^Apply$/ });
    await waitFor(async () => (await apply.count()) > 0, { timeoutMs: 60_000, what: 'the refactor preview of the fix' });
    const request = model.requests.slice(asked).find((r) => r.path === '/v1/chat/completions');
    assert.match(JSON.stringify(request?.body ?? {}), /The repository review suggested this fix: Remove an engine when its widget goes away\./);
    assert.equal(
      readFileSync(join(root, 'src', 'core', 'registry.ts'), 'utf8').includes('unregisterWidget'),
      false,
      'nothing is written before the user applies it',
    );
    await screenshot(page, 'review-fix-preview');
  });
});
