/**
 * What a child process of Parley's may see of its environment. Every program Parley starts gets
 * an allow-list of variable names for its purpose, never the whole environment: the server's own
 * environment holds the provider keys (they arrive there at spawn, see providers/keys.ts), and a
 * program that inherited them could hand them to anything it runs in turn.
 */
import { delimiter, isAbsolute } from 'node:path';

/** Why a program runs; each purpose adds the few variables that kind of program needs. */
export type ChildPurpose = 'git' | 'audio' | 'speech' | 'hands';

/** What every program needs to start and to find its locale and temporary folder. */
const BASE_NAMES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TEMP', 'TMP'];
/** Windows needs these for PowerShell, .NET and Git for Windows to start at all. */
const WINDOWS_NAMES = ['SystemRoot', 'SYSTEMROOT', 'windir', 'USERPROFILE', 'PATHEXT', 'ComSpec', 'APPDATA', 'LOCALAPPDATA'];

const PURPOSE_NAMES: Record<ChildPurpose, readonly string[]> = {
  // The user's global configuration (safe.directory, excludesFile) lives under XDG_CONFIG_HOME.
  git: ['XDG_CONFIG_HOME'],
  // A recorder finds the sound server through these.
  audio: ['XDG_RUNTIME_DIR', 'PULSE_SERVER', 'PULSE_RUNTIME_PATH', 'DBUS_SESSION_BUS_ADDRESS', 'AUDIODEV'],
  // pocketsphinx and espeak-ng installed outside the system folders find their libraries so.
  speech: ['LD_LIBRARY_PATH'],
  // Commands and REPL cells the user approved: a terminal's ordinary variables, and where the
  // user's toolchains (virtualenvs, pyenv, Java, Go, Rust, npm) are, so "run the tests" finds them.
  hands: [
    'TERM',
    'COLORTERM',
    'NO_COLOR',
    'FORCE_COLOR',
    'USER',
    'LOGNAME',
    'SHELL',
    'TZ',
    'LANGUAGE',
    'XDG_CONFIG_HOME',
    'XDG_CACHE_HOME',
    'XDG_DATA_HOME',
    'XDG_RUNTIME_DIR',
    'VIRTUAL_ENV',
    'CONDA_PREFIX',
    'PYENV_ROOT',
    'PYENV_VERSION',
    'JAVA_HOME',
    'GOPATH',
    'GOROOT',
    'CARGO_HOME',
    'RUSTUP_HOME',
    'NVM_DIR',
  ],
};

/**
 * A name that looks like it holds a credential is never passed on, even when a purpose lists it
 * or a caller adds it: the allow-list is the rule, this is the net under it.
 */
const SECRET_NAME = /key|token|secret|password|passwd|credential|auth/i;

/**
 * PATH without relative entries. An empty or relative entry (".", "bin") is searched from the
 * child's working folder, which may be the workspace: a repository could then plant its own
 * `git` or `arecord` and have Parley run it.
 */
export function absolutePath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && isAbsolute(dir))
    .join(delimiter);
}

/** The environment for a child of the given purpose, taken from `env`, plus `extra` (minus anything secret-named). */
export function childEnv(
  purpose: ChildPurpose,
  env: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string> = {},
  platform = process.platform,
): NodeJS.ProcessEnv {
  const names = [...BASE_NAMES, ...PURPOSE_NAMES[purpose], ...(platform === 'win32' ? WINDOWS_NAMES : [])];
  const picked: NodeJS.ProcessEnv = {};
  for (const name of names) if (env[name] !== undefined && !SECRET_NAME.test(name)) picked[name] = env[name];
  for (const [name, value] of Object.entries(extra)) if (!SECRET_NAME.test(name)) picked[name] = value;
  const path = absolutePath(picked.PATH);
  if (path !== undefined) picked.PATH = path;
  return picked;
}
