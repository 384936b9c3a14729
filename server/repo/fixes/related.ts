/**
 * Related definitions for a fix: the repo map personalised to the file being fixed and the names
 * on its problem lines. The index of a workspace folder is built the first time a fix there needs
 * it; a fix waits for it only briefly and goes without when it is not ready (a large repository's
 * first build takes seconds), so the next fix has it. Later fixes re-read just the fixed file.
 */
import { relative, sep } from 'node:path';
import { errorMessage, type Logger } from '../../log';
import { settlesWithin } from '../../settles';
import type { MapFile, RepoIndex } from '../index';
import type { RepoIndexes } from '../indexes';

export interface RelatedOptions {
  log: Logger;
  /** The server's repository indexes, shared with the review. */
  indexes: RepoIndexes;
  /** How long a fix waits for the index; default RELATED_WAIT_MS. */
  waitMs?: number;
}

export const RELATED_WAIT_MS = 3000;
const RELATED_TOKENS = 700;

export class RelatedDefinitions {
  constructor(private readonly options: RelatedOptions) {}

  /** The repo map around `path` (absolute, inside `folder`), or '' when the index is not ready in time. */
  async around(folder: string, path: string, mentioned: string[], waitMs = this.options.waitMs ?? RELATED_WAIT_MS): Promise<string> {
    const index = await this.ready(folder, path, waitMs);
    if (!index) return '';
    const focus = relative(folder, path).split(sep).join('/');
    return index.map({ tokens: RELATED_TOKENS, focus: [focus], mentioned }).text;
  }

  /**
   * The map's files around `path` and the other files in `focus` (absolute, inside `folder`),
   * within `tokens`: the definitions a user there is likely to name. Undefined when the index is
   * not ready in time.
   */
  async filesAround(folder: string, path: string, focus: string[], tokens: number, waitMs: number): Promise<MapFile[] | undefined> {
    const index = await this.ready(folder, path, waitMs);
    if (!index) return undefined;
    const inFolder = [path, ...focus].filter((file) => file.startsWith(folder + sep)).map((file) => relative(folder, file).split(sep).join('/'));
    return index.map({ tokens, focus: inFolder }).files;
  }

  /** The folder's index, with `path` re-read, once ready within `waitMs`. */
  private async ready(folder: string, path: string, waitMs: number): Promise<RepoIndex | undefined> {
    const index = this.options.indexes.get(folder);
    // Refreshes queue inside the index: this file's update runs after a full build still under way,
    // and an index never built is built whole.
    const ready = index
      .refresh([path])
      .catch((error: unknown) => this.options.log.warn('The repository index could not be updated', { folder, error: errorMessage(error) }));
    if (!(await settlesWithin(ready, waitMs))) {
      this.options.log.info('The repository index is still being built; this answer goes without related definitions', { folder });
      return undefined;
    }
    return index;
  }
}
