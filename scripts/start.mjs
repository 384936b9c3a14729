// `npm start`: build Parley and open it in a real VS Code.
//
//   - Desktop VS Code (a `code` executable on PATH): `code --extensionDevelopmentPath=<repo> <folder>`.
//   - Otherwise code-server (scripts/e2e-env.sh installs it) on 127.0.0.1, in Chromium or any browser:
//     the repo is linked into code-server's extensions folder (code-server has no
//     --extensionDevelopmentPath, see test/support/codeserver.ts linkExtension), the folder is opened
//     as the workspace, and the URL is printed. Runs until Ctrl+C.
//
// The folder is the first argument (`npm start -- ~/src/app`), else the directory npm was started in.
// Environment: PARLEY_PORT (default 8080; a free port if taken), PARLEY_START=code-server to use
// code-server even when `code` is on PATH. Settings, keys and other extensions installed in the
// code-server window persist in .cache/code-server/dev/.
// After a rebuild (`npm run build`), "Developer: Reload Window" loads the new code.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const folder = resolve(process.argv[2] ?? process.env.INIT_CWD ?? process.cwd());
const log = (message) => process.stderr.write(`[parley start] ${message}\n`);

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

function portFree(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

// ---- 1. build ---------------------------------------------------------------------------------
if (existsSync(join(REPO, 'esbuild.mjs'))) {
  log('building (node esbuild.mjs)');
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
} else {
  log('no esbuild.mjs yet: skipping the build');
}

// ---- 2. desktop VS Code -------------------------------------------------------------------------
const code = process.env.PARLEY_START === 'code-server' ? undefined : onPath('code');
if (code) {
  log(`opening ${folder} in VS Code with Parley as a development extension`);
  const child = spawn(code, [`--extensionDevelopmentPath=${REPO}`, folder], { stdio: 'inherit' });
  child.on('exit', (status) => process.exit(status ?? 1));
} else {
  await startCodeServer();
}

// ---- 3. code-server ---------------------------------------------------------------------------
async function startCodeServer() {
  const launcher = execFileSync('bash', [join(REPO, 'scripts', 'e2e-env.sh')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const home = join(REPO, '.cache', 'code-server', 'dev');
  const userDataDir = join(home, 'user-data');
  const extensionsDir = join(home, 'extensions');
  const config = join(home, 'config.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });

  // Defaults for a quiet window, without overwriting what the user changed since.
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  let settings = {};
  try {
    settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
  } catch {
    // none yet (or hand-edited with comments: then leave it alone)
    if (existsSync(settingsFile)) settings = undefined;
  }
  if (settings) {
    const defaults = {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
    };
    writeFileSync(settingsFile, JSON.stringify({ ...defaults, ...settings }, null, 2));
  }

  linkRepo(extensionsDir);

  const wanted = Number(process.env.PARLEY_PORT ?? 8080);
  const port = (await portFree(wanted)) ? wanted : await freePort();
  if (port !== wanted) log(`port ${wanted} is taken: using ${port}`);
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    // VSCODE_IPC_HOOK_CLI (a VS Code terminal) would hand the folder to that VS Code instead.
    if (key.startsWith('VSCODE_') || key.startsWith('npm_') || key === 'NODE_OPTIONS' || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  const args = [
    '--config', config,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    folder,
  ];
  const child = spawn(launcher, args, { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log('stopping code-server');
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }, 5_000).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));
  process.on('exit', () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  child.on('exit', (status, signal) => {
    if (!stopping) log(`code-server exited (${status ?? signal})`);
    process.exit(stopping ? 0 : (status ?? 1));
  });

  const base = `http://127.0.0.1:${port}/`;
  for (;;) {
    try {
      if ((await fetch(`${base}healthz`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not yet
    }
    if (child.exitCode !== null || stopping) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = new URL(base);
  url.searchParams.set('folder', folder);
  process.stdout.write(
    `\nParley is running in code-server: ${url}\n` +
      `  (from another machine: ssh -L ${port}:127.0.0.1:${port} <this host>, then open the URL there)\n` +
      `  After \`npm run build\`, run "Developer: Reload Window" to load the new code. Ctrl+C stops.\n\n`,
  );
}

/** Links the repo into the extensions folder as an installed extension and lists it in extensions.json. */
function linkRepo(extensionsDir) {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`.toLowerCase();
  const folderName = `${id}-${manifest.version}`;
  const listFile = join(extensionsDir, 'extensions.json');
  const list = existsSync(listFile) ? JSON.parse(readFileSync(listFile, 'utf8')) : [];
  // Drop links of earlier versions, and whatever was installed under the same id.
  for (const entry of list.filter((e) => e.identifier.id.toLowerCase() === id)) {
    const name = entry.relativeLocation;
    // rmSync removes a symbolic link itself, never what it points to.
    if (typeof name === 'string' && /^[\w.-]+$/.test(name) && name !== '.' && name !== '..') rmSync(join(extensionsDir, name), { recursive: true, force: true });
  }
  const link = join(extensionsDir, folderName);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(REPO, link, 'dir');
  const kept = list.filter((e) => e.identifier.id.toLowerCase() !== id);
  kept.push({ identifier: { id }, version: manifest.version, location: { $mid: 1, path: link, scheme: 'file' }, relativeLocation: folderName });
  writeFileSync(listFile, JSON.stringify(kept));
}
