// `npm start`: build Parley and open it in a real VS Code.
//
//   - Desktop VS Code (a `code` executable on PATH): `code --extensionDevelopmentPath=<repo> <folder>`.
//   - Otherwise code-server (scripts/e2e-env.sh installs it) on 127.0.0.1, in Chromium or any browser:
//     the repo is linked into code-server's extensions folder, outside the clone (code-server has no
//     --extensionDevelopmentPath, see test/support/codeserver.ts linkExtension), the folder is opened
//     as the workspace, and the URL is printed. Runs until Ctrl+C.
//
// The folder is the first argument (`npm start -- ~/src/app`). Without one it is the sample
// workspace: a small TypeScript project with a bug, a failing test, a type error, notes and a git
// history, generated from scripts/sample-workspace/ when it is missing and never touched once it
// exists (delete it for a fresh copy). A trailing `.template` is dropped from the template's file
// names: it keeps the project's own type-check and lint away from the sample's deliberate mistakes.
//
// Why the extensions folder is outside the clone: in an untrusted workspace (Restricted Mode, how
// VS Code opens a folder until the user trusts it) VS Code disables every installed extension whose
// location is inside the workspace, whatever the extension supports (`_isDisabledByWorkspaceTrust`
// in the workbench; the Extensions view offers "Enable (Workspace)"). The link's own path is what
// counts, not the clone it points to, so with the link outside, `npm start -- .` opens the clone
// itself with Parley running. (Development extensions, as desktop VS Code loads Parley, are exempt.)
//
// Environment: PARLEY_PORT (default 8080; a free port if taken), PARLEY_START=code-server to use
// code-server even when `code` is on PATH, PARLEY_START_DIR: where npm start keeps code-server's
// settings and extensions (including Parley's link) and the sample workspace. The default is
// $XDG_CACHE_HOME/parley/<clone>-<hash> (XDG_CACHE_HOME is ~/.cache when unset): one per clone, and
// short, as code-server puts a socket in it and a socket's path ends at 107 bytes.
// After a rebuild (`npm run build`), "Developer: Reload Window" loads the new code.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATE = resolve(process.env.PARLEY_START_DIR || defaultStateDir());
const log = (message) => process.stderr.write(`[parley start] ${message}\n`);

function defaultStateDir() {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const clone = `${basename(REPO)}-${createHash('sha256').update(REPO).digest('hex').slice(0, 8)}`;
  return join(cache, 'parley', clone);
}

const isInside = (path, dir) => {
  const rel = relative(dir, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

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

// ---- 2. the folder ----------------------------------------------------------------------------
// npm runs scripts in the repo; INIT_CWD is where the user typed `npm start -- <folder>`.
const folder = process.argv[2] ? resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2]) : sampleWorkspace();

// ---- 3. desktop VS Code -------------------------------------------------------------------------
const code = process.env.PARLEY_START === 'code-server' ? undefined : onPath('code');
if (code) {
  log(`opening ${folder} in VS Code with Parley as a development extension`);
  const child = spawn(code, [`--extensionDevelopmentPath=${REPO}`, folder], { stdio: 'inherit' });
  child.on('exit', (status) => process.exit(status ?? 1));
} else {
  await startCodeServer();
}

// ---- 4. code-server ---------------------------------------------------------------------------
async function startCodeServer() {
  const launcher = execFileSync('bash', [join(REPO, 'scripts', 'e2e-env.sh')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const userDataDir = join(STATE, 'user-data');
  const extensionsDir = join(STATE, 'extensions');
  const config = join(STATE, 'config.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  keepEarlierSettings(join(userDataDir, 'User'));
  if (isInside(extensionsDir, folder)) {
    log(
      `code-server's extensions folder ${extensionsDir} is inside ${folder}: VS Code disables Parley there until you trust the folder (or set PARLEY_START_DIR to a folder outside it)`,
    );
  }

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
    '--config',
    config,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
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
    if (typeof name === 'string' && /^[\w.-]+$/.test(name) && name !== '.' && name !== '..')
      rmSync(join(extensionsDir, name), { recursive: true, force: true });
  }
  const link = join(extensionsDir, folderName);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(REPO, link, 'dir');
  const kept = list.filter((e) => e.identifier.id.toLowerCase() !== id);
  kept.push({ identifier: { id }, version: manifest.version, location: { $mid: 1, path: link, scheme: 'file' }, relativeLocation: folderName });
  writeFileSync(listFile, JSON.stringify(kept));
}

/**
 * The sample workspace in STATE, generated from scripts/sample-workspace/ if it is missing. One that
 * exists is left as it is, with whatever the user changed.
 */
function sampleWorkspace() {
  const sample = join(STATE, 'sample-workspace');
  if (existsSync(sample)) return sample;
  // Built aside and renamed: an interrupted start never leaves half a sample that would then be kept.
  const staging = `${sample}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  cpSync(join(REPO, 'scripts', 'sample-workspace'), staging, { recursive: true });
  for (const name of readdirSync(staging, { recursive: true })) {
    if (name.endsWith('.template')) renameSync(join(staging, name), join(staging, name.slice(0, -'.template'.length)));
  }
  commitSample(staging);
  try {
    renameSync(staging, sample);
    log(`generated the sample workspace in ${sample}`);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(sample)) throw error; // else another npm start made it meanwhile
  }
  return sample;
}

/**
 * Makes dir a git repository with a short history, a commit a day ending yesterday (so the review's
 * change hotspots, which look back 180 days, see it); without git, none.
 */
function commitSample(dir) {
  // What each commit adds, oldest first; the last takes whatever is left.
  const commits = [
    { message: 'Money formatting and the project set-up', paths: ['package.json', 'tsconfig.json', 'README.md', 'src/money.ts'] },
    { message: 'Cart totals with the bulk discount, receipts, and their tests', paths: ['src', 'test'] },
    { message: 'Team notes: pricing rules, code layout, release checklist', paths: ['.'] },
  ];
  if (spawnSync('git', ['--version'], { stdio: 'ignore' }).status !== 0) {
    log('git is not installed: the sample workspace has no history');
    return;
  }
  // The user's signing, hooks and identity stay out of it: the commits must not fail or prompt. So
  // does an inherited GIT_DIR or GIT_WORK_TREE (npm start run from a hook), which would commit the
  // sample into another repository.
  const options = ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', '-c', 'init.defaultBranch=main'];
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
  const git = (args, env = {}) => execFileSync('git', [...options, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...base, ...env } });
  const identity = {
    GIT_AUTHOR_NAME: 'Parley sample',
    GIT_AUTHOR_EMAIL: 'sample@parley.invalid',
    GIT_COMMITTER_NAME: 'Parley sample',
    GIT_COMMITTER_EMAIL: 'sample@parley.invalid',
  };
  const now = Math.floor(Date.now() / 1000);
  try {
    git(['init', '--quiet']);
    commits.forEach(({ message, paths }, index) => {
      const date = `${now - (commits.length - index) * 86_400} +0000`;
      git(['add', '--', ...paths]);
      git(['commit', '--quiet', '--no-verify', '-m', message], { ...identity, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    });
  } catch (error) {
    log(`git failed, so the sample workspace has no history: ${String(error.stderr ?? error.message).trim()}`);
    rmSync(join(dir, '.git'), { recursive: true, force: true });
  }
}

/**
 * Carries the user settings and key bindings of the code-server window over from where npm start
 * kept them before it moved out of the clone (.cache/code-server/dev/), the first time only.
 */
function keepEarlierSettings(userDir) {
  const earlier = join(REPO, '.cache', 'code-server', 'dev', 'user-data', 'User');
  for (const name of ['settings.json', 'keybindings.json']) {
    if (existsSync(join(earlier, name)) && !existsSync(join(userDir, name))) copyFileSync(join(earlier, name), join(userDir, name));
  }
}
