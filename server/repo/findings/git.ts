/**
 * What the review asks git: the commit under review, whether the work tree is clean, and how
 * often each file changed. git runs through process/git.ts (nothing the repository configures
 * runs, no keys in its environment, a timeout); a folder outside a work tree, a machine without
 * git, or an untrusted workspace simply has no history.
 */
import { git, NO_DIFF_PROGRAMS } from '../../process/git';

export interface HeadState {
  commit: string;
  /** No staged, unstaged or untracked-but-not-ignored changes under the root. */
  clean: boolean;
  /** HEAD's commit time, in milliseconds. */
  committedAt: number;
}

/** The commit checked out at `root` and whether the tree is clean; undefined outside git. */
export async function headState(root: string, signal?: AbortSignal): Promise<HeadState | undefined> {
  try {
    const [commit, time] = (await git(root, ['log', '-1', '--format=%H %ct'], { signal })).trim().split(' ');
    if (!commit || !time) return undefined;
    const status = await git(root, ['status', '--porcelain', '--untracked-files=normal', '--ignore-submodules=all', '--', '.'], { signal, readsFiles: true });
    return { commit, clean: status.trim() === '', committedAt: Number(time) * 1000 };
  } catch {
    signal?.throwIfAborted();
    return undefined;
  }
}

export interface FileChurn {
  /** Commits in the window that touched the file. */
  commits: number;
  added: number;
  deleted: number;
}

export interface Churn {
  files: Map<string, FileChurn>;
  /** Commits read (merges left out). */
  commits: number;
  /** The window, ending at HEAD's commit time. */
  days: number;
  /**
   * False when git could not read every blob of the history (a partial clone, a copy without its
   * largest files): commits are counted from the changed names, and `added`/`deleted` are 0.
   */
  linesCounted?: boolean;
}

export interface ChurnOptions {
  /** How far back from HEAD's commit (not from today, so an old project still has a history). */
  days?: number;
  maxCommits?: number;
  signal?: AbortSignal;
}

const DAY_MS = 86_400_000;

/**
 * Parses `git log --numstat --format=%x00%ct` output, or `--name-only` (a path alone on a line,
 * no counts); paths are those git prints (relative with --relative).
 */
export function parseNumstat(output: string, sinceMs: number): Omit<Churn, 'days'> {
  const files = new Map<string, FileChurn>();
  let commits = 0;
  for (const block of output.split('\0').slice(1)) {
    const [header, ...lines] = block.split('\n');
    if (Number(header) * 1000 < sinceMs) continue;
    commits++;
    for (const line of lines) {
      const [added, deleted, path] = line.includes('\t') ? line.split('\t') : ['', '', line];
      if (!path) continue;
      const entry = files.get(path) ?? { commits: 0, added: 0, deleted: 0 };
      entry.commits++;
      // Binary files show "-" for both counts.
      entry.added += Number(added) || 0;
      entry.deleted += Number(deleted) || 0;
      files.set(path, entry);
    }
  }
  return { files, commits };
}

/** How often each file under `root` changed in the window; undefined without git history. */
export async function churn(root: string, head: HeadState, options: ChurnOptions = {}): Promise<Churn | undefined> {
  const days = options.days ?? 180;
  try {
    const args = (changes: string) => [
      'log',
      ...NO_DIFF_PROGRAMS,
      '--no-merges',
      '--no-renames',
      changes,
      '--relative',
      '--format=%x00%ct',
      '-n',
      String(options.maxCommits ?? 2000),
      'HEAD',
      '--',
      '.',
    ];
    const since = head.committedAt - days * DAY_MS;
    try {
      return { ...parseNumstat(await git(root, args('--numstat'), { signal: options.signal }), since), days };
    } catch {
      // Counting lines reads every changed blob; the names of the changed files need only the trees.
      options.signal?.throwIfAborted();
      return { ...parseNumstat(await git(root, args('--name-only'), { signal: options.signal }), since), days, linesCounted: false };
    }
  } catch {
    options.signal?.throwIfAborted();
    return undefined;
  }
}
