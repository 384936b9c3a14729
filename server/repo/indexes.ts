/**
 * The server's repository indexes: one per workspace folder, shared by the review, Fix with
 * Parley and the conversation's repo map, all parsing on one pool of threads and keeping one
 * symbol cache file per folder. A folder's index follows the `parley.review.exclude` patterns it
 * was last asked for: a review with other patterns replaces it, and the replacement takes the
 * unchanged files' symbols from the shared cache instead of parsing them again.
 *
 *   const indexes = new RepoIndexes({ log, nativeDir, cacheDir });
 *   const index = indexes.get(folder, settings.review.exclude);
 *   await index.refresh();
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage, type Logger } from '../log';
import { RepoIndex } from './index';
import { ParserPool } from './symbols/pool';
import type { SyntaxJob, SyntaxResult } from './symbols/protocol';

export interface RepoIndexesOptions {
  log: Logger;
  /** The server bundle's native folder (grammars and the parser-thread bundle). */
  nativeDir?: string;
  /** Where each folder's symbol cache is kept, so a restart does not parse everything again. */
  cacheDir?: string;
  /** Parser threads shared by every folder; default min(cores, 4). */
  poolSize?: number;
}

export class RepoIndexes {
  private readonly pool: ParserPool;
  private readonly folders = new Map<string, { exclude: string; index: RepoIndex }>();

  constructor(private readonly options: RepoIndexesOptions) {
    this.pool = new ParserPool({ size: options.poolSize, nativeDir: options.nativeDir });
  }

  /**
   * The index of `folder`. With `exclude`, an index built with other patterns is replaced; without,
   * the folder's index is used whatever its patterns (a new one excludes nothing).
   */
  get(folder: string, exclude?: string[]): RepoIndex {
    const known = this.folders.get(folder);
    const key = exclude && JSON.stringify(exclude);
    if (known && (key === undefined || known.exclude === key)) return known.index;
    // Disposing writes the old index's pending cache at once, before the new index reads the file.
    known?.index.dispose().catch((error: unknown) => this.options.log.warn('Could not stop a repository index', { folder, error: errorMessage(error) }));
    const index = new RepoIndex(folder, {
      exclude,
      pool: this.pool,
      log: this.options.log,
      ...(this.options.cacheDir ? { cacheFile: this.cacheFile(folder) } : {}),
    });
    this.folders.set(folder, { exclude: key ?? '[]', index });
    return index;
  }

  /** The syntax errors in a text, parsed on the same threads. */
  syntax(job: SyntaxJob, signal?: AbortSignal): Promise<SyntaxResult> {
    return this.pool.syntax(job, signal);
  }

  private cacheFile(folder: string): string {
    return join(this.options.cacheDir!, 'repo', `symbols-${createHash('sha256').update(folder).digest('hex').slice(0, 16)}.json`);
  }

  async dispose(): Promise<void> {
    const indexes = [...this.folders.values()].map(({ index }) => index);
    this.folders.clear();
    await Promise.all(indexes.map((index) => index.dispose()));
    await this.pool.dispose();
  }
}
