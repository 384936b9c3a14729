/**
 * Related definitions for a fix: the repo map personalised to the file being fixed and the names
 * on its problem lines. The index of a workspace folder is built the first time a fix there needs
 * it; a fix waits for it only briefly and goes without when it is not ready (a large repository's
 * first build takes seconds), so the next fix has it. Later fixes re-read just the fixed file.
 */
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { errorMessage, type Logger } from '../../log';
import { RepoIndex } from '../index';

export interface RelatedOptions {
  log: Logger;
  /** The server bundle's native folder (grammars). */
  nativeDir?: string;
  /** Where each folder's symbol cache is kept, so a restart does not parse everything again. */
  cacheDir?: string;
  /** How long a fix waits for the index; default RELATED_WAIT_MS. */
  waitMs?: number;
}

export const RELATED_WAIT_MS = 3000;
const RELATED_TOKENS = 700;

interface FolderIndex {
  index: RepoIndex;
  ready: Promise<unknown>;
}

/** Resolves true when `promise` settles within `ms`, false otherwise (the promise runs on). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class RelatedDefinitions {
  private readonly folders = new Map<string, FolderIndex>();

  constructor(private readonly options: RelatedOptions) {}

  /** The repo map around `path` (absolute, inside `folder`), or '' when the index is not ready in time. */
  async around(folder: string, path: string, mentioned: string[], waitMs = this.options.waitMs ?? RELATED_WAIT_MS): Promise<string> {
    const entry = this.refreshed(folder, path);
    if (!(await settlesWithin(entry.ready, waitMs))) {
      this.options.log.info('The repository index is still being built; this fix goes without related definitions', { folder });
      return '';
    }
    const focus = relative(folder, path).split(sep).join('/');
    return entry.index.map({ tokens: RELATED_TOKENS, focus: [focus], mentioned }).text;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.folders.values()].map(({ index }) => index.dispose()));
    this.folders.clear();
  }

  private refreshed(folder: string, path: string): FolderIndex {
    const known = this.folders.get(folder);
    const index = known?.index ?? new RepoIndex(folder, { nativeDir: this.options.nativeDir, ...(this.options.cacheDir ? { cacheFile: this.cacheFile(folder) } : {}) });
    // Refreshes queue inside the index: the file's update runs after a full build still under way.
    const ready = (known ? index.refresh([path]) : index.refresh()).catch((error: unknown) => this.options.log.warn('The repository index could not be updated', { folder, error: errorMessage(error) }));
    const entry = { index, ready };
    this.folders.set(folder, entry);
    return entry;
  }

  private cacheFile(folder: string): string {
    return join(this.options.cacheDir!, `fix-symbols-${createHash('sha256').update(folder).digest('hex').slice(0, 16)}.json`);
  }
}
