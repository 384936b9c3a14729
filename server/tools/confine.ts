/**
 * File access for the assistant's tools is confined to the workspace folders. A requested path is
 * resolved to its real path (following every symlink) and must land inside the real path of one
 * of the folders; `..`, absolute paths elsewhere and symlinks that point out are refused. A path
 * that does not exist yet (a new file an edit creates) is judged by its nearest existing parent,
 * after following any dangling symlink on the way. Reads must also check what they opened (see
 * openConfined in files.ts): the answer here is only true at the moment it is given.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class OutsideWorkspaceError extends Error {
  constructor(readonly requested: string) {
    super(`"${requested}" is outside the workspace folders; Parley only reads and edits files inside them.`);
    this.name = 'OutsideWorkspaceError';
  }
}

/**
 * Linux gives up on one lookup after 40 links; the walk below follows dangling links one lookup at
 * a time, so it keeps its own count, or links changed under it could keep it going forever.
 */
const MAX_SYMLINK_HOPS = 40;

function tooManyLinks(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ELOOP: too many symbolic links to follow, "${path}"`), { code: 'ELOOP', path });
}

/**
 * Where the dangling symlink at `path` points, or undefined when `path` is not a symlink. A
 * relative target is taken from the link's real directory, as the kernel would take it.
 */
function danglingTarget(path: string): string | undefined {
  try {
    if (!lstatSync(path).isSymbolicLink()) return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return resolve(realpathSync.native(dirname(path)), readlinkSync(path));
}

/**
 * The real path of `path`, or of its nearest existing ancestor joined with the rest. A missing
 * component that is a symlink (a dangling one) is followed, so a file created through it is judged
 * by where it would really land, not by the folder the link sits in.
 */
function realpathAllowingMissing(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (let hops = 0; ;) {
    try {
      return join(realpathSync.native(current), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const target = danglingTarget(current);
      if (target !== undefined) {
        if (++hops > MAX_SYMLINK_HOPS) throw tooManyLinks(path);
        current = target;
        continue;
      }
      const parent = dirname(current);
      if (parent === current) throw error;
      missing.push(basename(current));
      current = parent;
    }
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

export class WorkspaceFolders {
  private readonly roots: string[];

  constructor(folders: readonly string[]) {
    this.roots = folders.map((folder) => realpathSync.native(folder));
  }

  get folders(): readonly string[] {
    return this.roots;
  }

  /**
   * Resolves a path the assistant asked for: relative paths are taken from the first folder.
   * Throws OutsideWorkspaceError unless the real target is inside a workspace folder.
   */
  resolve(requested: string): string {
    if (this.roots.length === 0) throw new OutsideWorkspaceError(requested);
    if (requested.includes('\0')) throw new OutsideWorkspaceError(requested);
    const absolute = isAbsolute(requested) ? resolve(requested) : resolve(this.roots[0]!, requested);
    const real = realpathAllowingMissing(absolute);
    if (!this.contains(real)) throw new OutsideWorkspaceError(requested);
    return real;
  }

  /** Whether a real path (symlinks already resolved) lies inside one of the folders. */
  contains(realPath: string): boolean {
    return this.roots.some((root) => isInside(root, realPath));
  }

  /** The path relative to the folder that holds it, for showing to the user and the model. */
  display(path: string): string {
    const root = this.roots.find((folder) => isInside(folder, path));
    return root ? relative(root, path) || '.' : path;
  }
}
