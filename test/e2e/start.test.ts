/**
 * `npm start` as a newcomer runs it, in code-server with workspace trust left on: with no folder it
 * opens the sample workspace, with the clone itself as the folder it opens the clone, and in both
 * the window is in Restricted Mode and Parley is alive in it (its activity-bar view and its status
 * item). HOME is a temporary folder, so what npm start keeps (code-server's settings and
 * extensions, the sample) goes to its ~/.cache, or to a temporary PARLEY_START_DIR, never to the
 * developer's own. Stopping npm start stops code-server and everything it started.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { descendants, e2eUnavailable, freePort, portInUse } from '../support/codeserver';
import { REPO, tempDir } from '../support/paths';
import { closeWorkbench, openWorkbench, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

interface Started {
  url: string;
  port: number;
  output(): string;
  /**
   * Stops npm start the way Ctrl+C does; resolves, once all are gone, with the processes it started
   * that outlived it and had to be killed (none, if it cleans up after itself).
   */
  stop(): Promise<number[]>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // already gone
  }
}

/** The environment of a newcomer's shell: none of the test runner's or an enclosing VS Code's variables. */
function newcomerEnv(home: string, stateDir: string | undefined, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VSCODE_|NODE_TEST)/.test(key) || ['NODE_OPTIONS', 'ELECTRON_RUN_AS_NODE', 'INIT_CWD', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME'].includes(key))
      continue;
    env[key] = value;
  }
  return { ...env, HOME: home, PARLEY_START: 'code-server', PARLEY_PORT: String(port), ...(stateDir ? { PARLEY_START_DIR: stateDir } : {}) };
}

/** Runs `npm start [-- folder]` in the clone and resolves with the URL it prints. */
async function npmStart(home: string, stateDir: string | undefined, folder?: string): Promise<Started> {
  const port = await freePort();
  const args = ['start', ...(folder ? ['--', folder] : [])];
  // detached: npm and start.mjs in a group of their own, signalled together as a terminal's Ctrl+C does.
  const child: ChildProcess = spawn('npm', args, { cwd: REPO, env: newcomerEnv(home, stateDir, port), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const onExit = () => {
    for (const pid of [...descendants(child.pid!), child.pid!]) signal(pid, 'SIGKILL');
  };
  process.once('exit', onExit);

  let stopping: Promise<number[]> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      const tree = descendants(child.pid!); // before they are orphaned
      signal(-child.pid!, 'SIGINT');
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, { timeoutMs: 20_000, what: 'npm start to exit' }).catch(() => {});
      const outlived = await waitFor(() => tree.every((pid) => !alive(pid)), { timeoutMs: 10_000, what: 'code-server and what it started to exit' }).then(
        () => [],
        () => tree.filter(alive),
      );
      for (const pid of outlived) signal(pid, 'SIGKILL');
      return outlived;
    })());

  try {
    const url = () => /Parley is running in code-server: (\S+)/.exec(text)?.[1];
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await waitFor(() => url() || exited(), { timeoutMs: 240_000, intervalMs: 100, what: 'npm start to print the URL' });
    const printed = url();
    if (!printed) throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}) before printing the URL`);
    return { url: printed, port, output: () => text, stop };
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${text}`);
  }
}

const statusItem = (page: Page) => page.locator('.part.statusbar .statusbar-item', { hasText: /^\s*Parley\s*$/ });
const restrictedStatus = (page: Page) => page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' });

/** Waits for the Restricted Mode item in the status bar: the window opened untrusted, as it should. */
async function restrictedMode(page: Page): Promise<void> {
  await waitFor(async () => (await restrictedStatus(page).count()) > 0, { timeoutMs: 60_000, what: 'Restricted Mode in the status bar' });
}

/** Waits for Parley's status item and activity-bar icon, and for its Knowledge Base view to connect to the server. */
async function assertParleyAlive(page: Page, started: Started, shot: string): Promise<void> {
  try {
    await waitFor(async () => (await statusItem(page).count()) > 0, { timeoutMs: 90_000, what: 'the Parley status bar item' });
    await waitFor(async () => !(await statusItem(page).first().locator('.codicon-loading').count()), {
      timeoutMs: 60_000,
      what: 'the Parley server to leave "starting"',
    });
    assert.equal(
      await statusItem(page).first().locator('.codicon-circle-slash, .codicon-error').count(),
      0,
      'the Parley server is neither stopped nor failing',
    );
    const icon = page.locator('.activitybar .action-item a[aria-label^="Parley"]').first();
    await waitFor(() => icon.isVisible(), { timeoutMs: 30_000, what: 'the Parley icon in the activity bar' });
    await icon.click();
    // In code-server the view is drawn twice (the second time allowing the server's external
    // address, extension/views/host.ts), so the frame is looked up again on every try.
    const connected = (frame: Frame) => frame.evaluate(() => document.querySelector('[data-field="connection"]')?.textContent?.includes('Connected') ?? false);
    await webviewFrame(page, async (frame) => (await frame.evaluate(() => document.title)).includes('Knowledge Base') && (await connected(frame)), 90_000);
  } catch (error) {
    await screenshot(page, shot);
    throw new Error(`${String(error)}\n--- npm start printed:\n${started.output().slice(-4_000)}`);
  }
}

describe('npm start in code-server, with workspace trust on', { skip: unavailable, timeout: 900_000 }, () => {
  const temp = tempDir('start');
  const home = join(temp.path, 'home');
  const stateDir = join(temp.path, 'state');

  before(() => mkdirSync(home, { recursive: true }));
  after(() => temp.cleanup());

  describe('with no folder', () => {
    let started: Started;
    let page: Page;

    before(async () => {
      started = await npmStart(home, undefined);
      page = await openWorkbench(started.url, { timeoutMs: 120_000 });
    });

    after(async () => {
      if (page) await closeWorkbench(page);
      if (started) await started.stop();
    });

    it("generates the sample workspace in the user's cache folder, a git repository with history, and opens it", () => {
      const sample = new URL(started.url).searchParams.get('folder')!;
      assert.ok(sample.startsWith(join(home, '.cache', 'parley') + sep) && basename(sample) === 'sample-workspace', sample);
      for (const file of ['package.json', 'tsconfig.json', 'src/cart.ts', 'test/cart.test.mjs', 'notes/pricing.md'])
        assert.ok(existsSync(join(sample, file)), `the sample has ${file}`);
      if (spawnSync('git', ['--version']).status === 0) {
        const log = spawnSync('git', ['-C', sample, 'log', '--oneline'], { encoding: 'utf8' });
        assert.ok(log.stdout.trim().split('\n').length >= 2, `the sample has a history: ${log.stdout}${log.stderr}`);
      }
    });

    it('opens the window in Restricted Mode, and Parley is alive in it', async () => {
      await restrictedMode(page);
      await assertParleyAlive(page, started, 'start-sample');
      await screenshot(page, 'start-sample');
    });

    it('stops code-server and everything it started when npm start is stopped', async () => {
      await closeWorkbench(page);
      assert.deepEqual(await started.stop(), [], 'no process outlives npm start');
      assert.equal(await portInUse(started.port), false, `nothing listens on ${started.port} any more`);
    });
  });

  describe('with the clone itself as the folder', () => {
    let started: Started;
    let page: Page;

    before(async () => {
      started = await npmStart(home, stateDir, REPO);
      page = await openWorkbench(started.url, { timeoutMs: 120_000 });
    });

    after(async () => {
      if (page) await closeWorkbench(page);
      if (started) await started.stop();
    });

    it('opens the clone in Restricted Mode, and Parley is alive in it', async () => {
      assert.equal(new URL(started.url).searchParams.get('folder'), REPO);
      await restrictedMode(page);
      await assertParleyAlive(page, started, 'start-clone');
      await screenshot(page, 'start-clone');
    });

    it("keeps code-server's extensions in PARLEY_START_DIR", () => {
      assert.ok(existsSync(join(stateDir, 'extensions', 'extensions.json')));
    });

    it('stops code-server and everything it started when npm start is stopped', async () => {
      await closeWorkbench(page);
      assert.deepEqual(await started.stop(), [], 'no process outlives npm start');
      assert.equal(await portInUse(started.port), false, `nothing listens on ${started.port} any more`);
    });
  });
});
