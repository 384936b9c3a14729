/**
 * Extension activation as VS Code itself measures it (code loading plus the activate call),
 * read from "Developer: Show Running Extensions" in code-server. The baseline is a one-command
 * extension activated by the same event in the same window, so start-up contention hits both.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { e2eUnavailable, startCodeServer } from '../test/support/codeserver';
import { DIST, tempDir } from '../test/support/paths';
import { waitFor } from '../test/support/poll';
import { closeWorkbench, openWorkbench, runCommand } from '../test/support/workbench';

const BASELINE_NAME = 'Activation Baseline';

function writeBaselineExtension(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'activation-baseline',
    displayName: BASELINE_NAME,
    publisher: 'parley-bench',
    version: '0.0.1',
    engines: { vscode: '^1.90.0' },
    main: './extension.js',
    activationEvents: ['onStartupFinished'],
    contributes: { commands: [{ command: 'activationBaseline.hello', title: 'Hello', category: 'Baseline' }] },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(
    join(dir, 'extension.js'),
    "const vscode = require('vscode');\nexports.activate = (context) => context.subscriptions.push(vscode.commands.registerCommand('activationBaseline.hello', () => undefined));\n",
  );
}

async function activationMs(page: Page, name: string): Promise<number> {
  const row = page.locator('.runtime-extensions-editor .monaco-list-row', { has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });
  const text = await waitFor(async () => ((await row.count()) > 0 ? row.first().locator('.activation-time').innerText() : undefined), {
    timeoutMs: 30_000,
    what: `${name} in Running Extensions`,
  });
  const match = /(\d+)\s*ms/.exec(text);
  if (!match) throw new Error(`unreadable activation time for ${name}: ${text}`);
  return Number(match[1]);
}

export interface Activation {
  /** VS Code's activation time for Parley: loading extension.js plus the activate call. */
  parley: number;
  /** The same for the one-command baseline extension. */
  baseline: number;
  /** The activate call alone, as Parley logs it. */
  activateCall: number;
}

/** One code-server start: Parley's and the baseline's activation times, in ms. */
export async function measureActivation(): Promise<Activation> {
  const unavailable = e2eUnavailable();
  if (unavailable) throw new Error(unavailable);
  const workspace = tempDir('bench-ws');
  const baseline = tempDir('bench-baseline');
  writeBaselineExtension(baseline.path);
  const codeServer = await startCodeServer({ vsix: join(DIST, 'parley.vsix'), extensionDevelopmentPath: baseline.path, workspace: workspace.path });
  // Tall enough that the list shows every running extension without scrolling.
  const page = await openWorkbench(codeServer.url, { viewport: { width: 1400, height: 3000 } });
  try {
    const statusItem = page.locator('.part.statusbar .statusbar-item', { hasText: 'Parley' });
    await waitFor(async () => (await statusItem.count()) > 0, { timeoutMs: 60_000, what: 'Parley to activate' });
    await runCommand(page, 'Developer: Show Running Extensions');
    const logged = /Parley activated in ([\d.]+) ms/.exec(codeServer.vscodeLogs());
    if (!logged) throw new Error("Parley's log has no activation line");
    return { parley: await activationMs(page, 'Parley'), baseline: await activationMs(page, BASELINE_NAME), activateCall: Number(logged[1]) };
  } finally {
    await closeWorkbench(page);
    await codeServer.stop();
    workspace.cleanup();
    baseline.cleanup();
  }
}
