/**
 * Which files a repository has: git's own list when the folder is in a work tree (tracked plus
 * untracked-but-not-ignored, exactly what `git status` considers), otherwise a walk that honours
 * every nested .gitignore. git answers in milliseconds where a walk takes several times longer,
 * and it already knows global excludes and .git/info/exclude.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { git as runGit } from '../process/git';

export interface Listing {
  git: boolean;
  /** Paths relative to the root, with forward slashes. */
  paths: string[];
  /** Folders the walk did not enter because `prune` said so, with a trailing slash. */
  pruned: string[];
}

/** Says whether a folder (relative, trailing slash) should not be entered, and why. */
export type Prune = (dir: string) => boolean;

function git(root: string, args: string[], signal?: AbortSignal): Promise<string> {
  return runGit(root, args, { signal });
}

/**
 * True when git can list `root`: inside a work tree and not itself ignored (a folder under an
 * ignored node_modules is in a work tree, but git would list nothing there). False in an
 * untrusted workspace, where Parley runs no git: the walk lists the files instead.
 */
export async function isGitListable(root: string, signal?: AbortSignal): Promise<boolean> {
  try {
    if ((await git(root, ['rev-parse', '--is-inside-work-tree'], signal)).trim() !== 'true') return false;
  } catch {
    return false;
  }
  try {
    await git(root, ['check-ignore', '-q', '.'], signal);
    return false;
  } catch {
    return true;
  }
}

async function gitFiles(root: string, signal?: AbortSignal): Promise<string[]> {
  const stdout = await git(root, ['ls-files', '-co', '--exclude-standard', '-z'], signal);
  return [...new Set(stdout.split('\0').filter(Boolean))].sort();
}

/** The repository's files, and whether git listed them. */
export async function listFiles(root: string, prune: Prune, signal?: AbortSignal): Promise<Listing> {
  if (await isGitListable(root, signal)) return { git: true, paths: await gitFiles(root, signal), pruned: [] };
  const walk = new Walk(root, prune, signal);
  await walk.dir('', []);
  return { git: false, paths: walk.paths.sort(), pruned: walk.pruned.sort() };
}

/** One .gitignore and the folder (relative, '' or with a trailing slash) it applies to. */
interface Rules {
  base: string;
  matcher: Ignore;
}

/** Git's precedence: the deepest .gitignore with a rule for the path decides, so a nested `!keep.log` wins. */
function ignoredBy(rules: Rules[], path: string): boolean {
  for (let index = rules.length - 1; index >= 0; index--) {
    const { base, matcher } = rules[index]!;
    if (!path.startsWith(base)) continue;
    const verdict = matcher.test(path.slice(base.length));
    if (verdict.ignored || verdict.unignored) return verdict.ignored;
  }
  return false;
}

async function rulesIn(root: string, dir: string): Promise<Rules | undefined> {
  const file = join(root, dir, '.gitignore');
  if (!existsSync(file)) return undefined;
  return { base: dir, matcher: ignore().add(await readFile(file, 'utf8')) };
}

class Walk {
  readonly paths: string[] = [];
  readonly pruned: string[] = [];

  constructor(
    private readonly root: string,
    private readonly prune: Prune,
    private readonly signal?: AbortSignal,
  ) {}

  async dir(dir: string, inherited: Rules[]): Promise<void> {
    this.signal?.throwIfAborted();
    const own = await rulesIn(this.root, dir);
    const rules = own ? [...inherited, own] : inherited;
    const entries = await readdir(join(this.root, dir), { withFileTypes: true });
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) {
        const path = `${dir}${entry.name}/`;
        if (entry.name !== '.git' && !ignoredBy(rules, path)) subdirs.push(path);
      } else if (entry.isFile() && !ignoredBy(rules, dir + entry.name)) {
        this.paths.push(dir + entry.name);
      }
    }
    for (const path of subdirs) await this.enter(path, rules);
  }

  private async enter(path: string, rules: Rules[]): Promise<void> {
    if (this.prune(path)) this.pruned.push(path);
    else await this.dir(path, rules);
  }
}

/** Whether .gitignore rules (git's, or every .gitignore above the file when not in git) exclude `path`. */
export async function isIgnored(root: string, path: string, git: boolean, signal?: AbortSignal): Promise<boolean> {
  if (git) return gitIgnores(root, path, signal);
  const parts = path.split('/');
  const rules: Rules[] = [];
  for (let depth = 0; depth < parts.length; depth++) {
    const found = await rulesIn(
      root,
      parts
        .slice(0, depth)
        .map((part) => `${part}/`)
        .join(''),
    );
    if (found) rules.push(found);
  }
  return ignoredBy(rules, path);
}

async function gitIgnores(root: string, path: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await git(root, ['check-ignore', '-q', '--', path], signal);
    return true;
  } catch {
    return false;
  }
}
