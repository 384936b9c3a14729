/**
 * Running git on a repository nobody vetted. A repository's own configuration (.git/config, and
 * what it includes) can name programs that git runs during read-only commands: core.fsmonitor on
 * `status` and `ls-files`, a filter's clean command when `status` re-reads a file, hooks such as
 * post-index-change, gpg.program under log.showSignature, textconv and external diff drivers
 * under `log`. VS Code's Git extension answers this by running no git at all in an untrusted
 * workspace; Parley does the same, and in a trusted one it still switches those programs off for
 * its own calls, which only ever read:
 *
 * - `-c` settings on the command line outrank every configuration file (and count as git's
 *   "protected" configuration, so safe.bareRepository is honoured);
 * - the filters the repository defines are named one by one and emptied, since git has no switch
 *   for "no filters" before 2.42's --attr-source;
 * - GIT_CONFIG_NOSYSTEM skips the machine-wide file, the environment is allow-listed (no keys),
 *   and no call may prompt, take locks or wait longer than its timeout.
 */
import { runChild } from './spawn';
import { isWorkspaceTrusted, UntrustedWorkspaceError } from './trust';

const GIT_TIMEOUT_MS = 30_000;
const GIT_BUFFER_BYTES = 512 * 1024 * 1024;

/** Settings that switch off everything git could run on a read-only call. */
const PROTECTIONS = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.untrackedCache=false',
  'diff.external=',
  'log.showSignature=false',
  'gpg.program=false',
  'core.pager=cat',
  'safe.bareRepository=explicit',
  'protocol.allow=never',
];

const GIT_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat' };

export interface GitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * The command compares the work tree's files with the index (`status`, `diff`), which runs the
   * repository's filters on them: those are emptied first, at the cost of one more git call.
   */
  readsFiles?: boolean;
}

function configArgs(settings: readonly string[]): string[] {
  return settings.flatMap((setting) => ['-c', setting]);
}

function runGit(root: string, args: readonly string[], options: GitOptions): Promise<string> {
  return runChild('git', ['--no-pager', '-C', root, ...args], {
    purpose: 'git',
    extraEnv: GIT_ENV,
    signal: options.signal,
    timeoutMs: options.timeoutMs ?? GIT_TIMEOUT_MS,
    maxBufferBytes: GIT_BUFFER_BYTES,
  });
}

/**
 * The filter drivers the repository's configuration defines (`filter.<name>.clean` and the like),
 * read with `git config`, which runs nothing itself.
 */
async function filterNames(root: string, options: GitOptions): Promise<string[]> {
  let listing: string;
  try {
    listing = await runGit(root, [...configArgs(PROTECTIONS), 'config', '--null', '--name-only', '--get-regexp', '^filter\\.'], options);
  } catch {
    // Exit 1: no filter is configured (or this is not a repository; the real call will say so).
    return [];
  }
  const names = listing
    .split('\0')
    .map((key) => /^filter\.(.+)\.[^.]+$/s.exec(key)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)];
}

function emptiedFilters(names: readonly string[]): string[] {
  return names.flatMap((name) => [`filter.${name}.clean=`, `filter.${name}.smudge=`, `filter.${name}.process=`, `filter.${name}.required=false`]);
}

/**
 * Runs a read-only git command on `root` and resolves with its stdout. Throws
 * UntrustedWorkspaceError in an untrusted workspace, and execFile's error when git fails.
 */
export async function git(root: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  if (!isWorkspaceTrusted()) throw new UntrustedWorkspaceError('Reading the repository with git');
  const filters = options.readsFiles ? emptiedFilters(await filterNames(root, options)) : [];
  return runGit(root, [...configArgs([...PROTECTIONS, ...filters]), ...args], options);
}

/** Arguments for any command that may produce a diff: no textconv, no external diff driver. */
export const NO_DIFF_PROGRAMS = ['--no-textconv', '--no-ext-diff'] as const;
