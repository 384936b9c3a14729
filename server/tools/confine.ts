/**
 * File access for the assistant's tools is confined to the workspace folders. A requested path is
 * resolved to its real path (following every symlink) and must land inside the real path of one
 * of the folders; `..`, absolute paths elsewhere and symlinks that point out are refused. A path
 * that does not exist yet (a new file an edit creates) is judged by its nearest existing parent.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class OutsideWorkspaceError extends Error {
  constructor(readonly requested: string) {
    super(`"${requested}" is outside the workspace folders; Parley only reads and edits files inside them.`);
    this.name = 'OutsideWorkspaceError';
  }
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
function realpathAllowingMissing(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync.native(current), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
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
    if (!this.roots.some((root) => isInside(root, real))) throw new OutsideWorkspaceError(requested);
    return real;
  }

  /** The path relative to the folder that holds it, for showing to the user and the model. */
  display(path: string): string {
    const root = this.roots.find((folder) => isInside(folder, path));
    return root ? relative(root, path) || '.' : path;
  }
}
