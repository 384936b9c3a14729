/**
 * A real VS Code for end-to-end tests: code-server (installed by scripts/e2e-env.sh into
 * .cache/code-server) started on 127.0.0.1 with its own temporary user-data and extensions folders.
 *
 *   const cs = await startCodeServer({ vsix: '/tmp/parley.vsix', workspace: '/tmp/ws' });
 *   try { const page = await openWorkbench(cs.url); ... } finally { await cs.stop(); }
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

/** Where scripts/e2e-env.sh installs code-server (override with PARLEY_E2E_DIR, as the script does). */
export const CODE_SERVER_DIR = process.env.PARLEY_E2E_DIR ?? join(REPO, '.cache', 'code-server');

/** The code-server launcher if scripts/e2e-env.sh has installed it, else undefined. */
export function codeServerLauncher(): string | undefined {
  const launcher = join(CODE_SERVER_DIR, 'bin', 'code-server');
  return existsSync(launcher) && existsSync(join(CODE_SERVER_DIR, '.installed')) ? launcher : undefined;
}

/** Why end-to-end tests cannot run here, or undefined if they can (for `test(..., { skip })`). */
export function e2eUnavailable(): string | undefined {
  if (!codeServerLauncher()) return `code-server is not installed in ${CODE_SERVER_DIR}: run scripts/e2e-env.sh`;
  if (!existsSync('/usr/bin/chromium')) return 'Debian chromium is not installed: run scripts/e2e-env.sh';
  return undefined;
}

/**
 * User settings every run starts with: no welcome page, no telemetry, no update checks, no
 * workspace-trust prompt (the workspace is trusted), no tips or surveys in the way of screenshots.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
};

/**
 * User settings for a run with workspace trust on (`workspaceTrust`): the folder opens in Restricted
 * Mode, as a cloned repository does, without the modal "Do you trust the authors" dialog that would
 * block every click, and with the Restricted Mode banner showing, as a user sees it.
 */
export const TRUST_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
};

export interface CodeServerOptions {
  /** A packaged extension to install (with `--install-extension`) before the server starts. */
  vsix?: string;
  /**
   * An unpacked extension folder (with a package.json, built) to load as it is on disk: linked into
   * the extensions folder as <publisher>.<name>-<version>, so edits show after "Developer: Reload
   * Window". (code-server's command line has no --extensionDevelopmentPath; see linkExtension.)
   */
  extensionDevelopmentPath?: string;
  /** The folder opened as the workspace. */
  workspace: string;
  /** Extra environment for code-server and so for the extension host (and the servers it spawns). */
  env?: Record<string, string>;
  /**
   * Keep VS Code's workspace trust on (TRUST_SETTINGS, no --disable-workspace-trust), so the folder
   * opens untrusted, in Restricted Mode, until the test grants trust as a user would. Default false:
   * trust is switched off and every folder counts as trusted.
   */
  workspaceTrust?: boolean;
  /** User settings merged over DEFAULT_SETTINGS (and TRUST_SETTINGS). */
  settings?: Record<string, unknown>;
  /**
   * Remote settings (the Settings editor's "Remote" tab, userDataDir/Machine/settings.json): the
   * only place the extension host reads `machine` and `machine-overridable` settings from, since
   * code-server's window counts as remote to it.
   */
  machineSettings?: Record<string, unknown>;
  /** Port to listen on (default: a free one). */
  port?: number;
  /**
   * The loopback address to listen on and open the workbench by (default 127.0.0.1). Another one,
   * such as 127.0.0.2, makes the window remote to the extension: asExternalUri then rewrites its
   * loopback addresses to code-server's proxy, as it does for a code-server on another machine.
   */
  host?: string;
  /** Milliseconds to wait for the HTTP server to answer (default 60 s). */
  timeoutMs?: number;
  /** Keep the temporary folders after stop() (also with PARLEY_E2E_KEEP=1), for post-mortems. */
  keep?: boolean;
}

export interface CodeServer {
  /** Opens the workspace (and the development extension, if any): give this to openWorkbench(). */
  url: string;
  /** http://127.0.0.1:<port>/ */
  baseUrl: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** Everything code-server and the extension installer printed so far. */
  logs(): string;
  /** The VS Code log files under userDataDir/logs (server, extension host, output channels). */
  vscodeLogs(): string;
  /** Kills code-server and everything it started; removes the temporary folders. Idempotent. */
  stop(): Promise<void>;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether something listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolveUse) => {
    const server = createServer();
    server.once('error', () => resolveUse(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveUse(false)));
  });
}

/** The environment code-server gets: ours, minus what would make it misbehave, plus the caller's. */
function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // VSCODE_IPC_HOOK_CLI makes code-server hand the folder to an existing instance and exit;
    // NODE_OPTIONS (e.g. `--import tsx` from the test runner) would load into code-server's Node.
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS' || key === 'NODE_TEST_CONTEXT') delete env[key];
  }
  return { ...env, ...extra };
}

/** The URL that opens folder `workspace` in the workbench. */
export function workbenchUrl(baseUrl: string, workspace: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('folder', workspace);
  return url.toString();
}

/**
 * Makes an unpacked extension folder an installed extension: a symbolic link in extensionsDir, named
 * as VS Code names installed extensions, and an entry in extensionsDir/extensions.json (VS Code
 * reads only that list once it exists; before, its first scan adds whatever folders it finds).
 *
 * Why not a development extension: code-server's command line has no --extensionDevelopmentPath.
 * Its web client does read one from the URL (`payload=[["extensionDevelopmentPath","vscode-remote://
 * host/path"]]`), but only when the server runs with `--vscode-option enable-smoke-test-driver`, and
 * that mode also stops notification toasts and skips dialogs, so the UI under test is not the real one.
 */
export function linkExtension(extensionPath: string, extensionsDir: string): string {
  const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')) as { publisher?: string; name: string; version: string };
  const id = `${manifest.publisher ?? 'undefined_publisher'}.${manifest.name}`.toLowerCase();
  const folder = `${id}-${manifest.version}`;
  const link = join(extensionsDir, folder);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(resolve(extensionPath), link, 'dir');
  const listFile = join(extensionsDir, 'extensions.json');
  type Entry = { identifier: { id: string }; relativeLocation?: string };
  const list = (existsSync(listFile) ? JSON.parse(readFileSync(listFile, 'utf8')) : []) as Entry[];
  const kept = list.filter((entry) => entry.identifier.id.toLowerCase() !== id);
  kept.push({ identifier: { id }, version: manifest.version, location: { $mid: 1, path: link, scheme: 'file' }, relativeLocation: folder } as Entry);
  writeFileSync(listFile, JSON.stringify(kept));
  return link;
}

/** PIDs of every descendant of pid, read from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Signals code-server's process group and the given descendants (which may have left it). */
function killTree(pid: number | undefined, tree: number[], signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid, ...tree]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

function appendCapped(buffer: { text: string }, chunk: string): void {
  buffer.text += chunk;
  if (buffer.text.length > 4_000_000) buffer.text = buffer.text.slice(-2_000_000);
}

function readLogTree(dir: string): string {
  if (!existsSync(dir)) return '';
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.log')) parts.push(`===== ${p.slice(dir.length + 1)}\n${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return parts.join('\n');
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const launcher = codeServerLauncher();
  if (!launcher) throw new Error(`code-server is not installed in ${CODE_SERVER_DIR}: run scripts/e2e-env.sh`);
  const root = mkdtempSync(join(tmpdir(), 'parley-cs-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const config = join(root, 'config.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
  if (options.machineSettings) writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(options.machineSettings, null, 2));
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...(options.workspaceTrust ? TRUST_SETTINGS : {}), ...options.settings }, null, 2),
  );
  const output = { text: '' };
  const env = childEnv(options.env);
  const keep = options.keep ?? process.env.PARLEY_E2E_KEEP === '1';
  const cleanup = () => {
    if (!keep) rmSync(root, { recursive: true, force: true });
  };

  writeFileSync(config, 'auth: none\ncert: false\n'); // launch() adds bind-addr
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (options.extensionDevelopmentPath) linkExtension(options.extensionDevelopmentPath, extensionsDir);

  if (options.vsix) {
    const install = spawnSync(launcher, [...common, '--install-extension', resolve(options.vsix), '--force'], { env, encoding: 'utf8', timeout: 120_000 });
    appendCapped(output, `$ code-server --install-extension ${options.vsix}\n${install.stdout ?? ''}${install.stderr ?? ''}\n`);
    if (install.status !== 0) {
      cleanup();
      throw new Error(`installing ${options.vsix} failed (exit ${install.status ?? install.signal}):\n${output.text}`);
    }
  }

  // A free port can be taken between freePort() and code-server's bind: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const started = await launch(launcher, common, port, options, env, output);
    if (started.ok) {
      const { stop } = started;
      const stopAndClean = async () => {
        await stop();
        cleanup();
      };
      const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}/`;
      return {
        url: workbenchUrl(baseUrl, resolve(options.workspace)),
        baseUrl,
        port,
        userDataDir,
        extensionsDir,
        logs: () => output.text,
        vscodeLogs: () => readLogTree(join(userDataDir, 'logs')),
        stop: stopAndClean,
      };
    }
    if (!(started.addressInUse && options.port === undefined && attempt < 3)) {
      cleanup();
      throw new Error(started.message);
    }
  }
}

type Launched = { ok: true; stop(): Promise<void> } | { ok: false; addressInUse: boolean; message: string };

/** Starts code-server on port and waits until it answers HTTP; on failure it is stopped again. */
async function launch(
  launcher: string,
  common: string[],
  port: number,
  options: CodeServerOptions,
  env: NodeJS.ProcessEnv,
  output: { text: string },
): Promise<Launched> {
  const config = common[common.indexOf('--config') + 1]!;
  const host = options.host ?? '127.0.0.1';
  writeFileSync(config, `bind-addr: ${host}:${port}\nauth: none\ncert: false\n`);
  const args = [
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    resolve(options.workspace),
  ];
  const outputStart = output.text.length;
  // detached: its own process group, so stop() can signal code-server and all it started at once.
  const child = spawn(launcher, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: resolve(options.workspace) });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => appendCapped(output, chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => appendCapped(output, chunk));
  let exitCode: number | string | null | undefined;
  const exited = new Promise<void>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal;
      resolveExit();
    }),
  );
  // If the test process ends without stop(), do not leave a code-server behind.
  const onExit = () => killTree(child.pid, [], 'SIGKILL');
  process.once('exit', onExit);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.removeListener('exit', onExit);
      const tree = child.pid === undefined ? [] : descendants(child.pid); // before they are orphaned
      if (exitCode === undefined) {
        killTree(child.pid, tree, 'SIGTERM');
        const timer = setTimeout(() => killTree(child.pid, tree, 'SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      killTree(child.pid, tree, 'SIGKILL'); // whatever outlived code-server itself
    })());

  const baseUrl = `http://${host}:${port}/`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      const text = output.text.slice(outputStart);
      return {
        ok: false,
        addressInUse: text.includes('EADDRINUSE'),
        message: `code-server exited (${exitCode}) before answering on ${baseUrl}:\n${output.text}`,
      };
    }
    try {
      const response = await fetch(new URL('healthz', baseUrl), { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { ok: true, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      return { ok: false, addressInUse: false, message: `code-server did not answer on ${baseUrl} within ${timeoutMs} ms:\n${output.text}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
