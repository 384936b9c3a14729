/**
 * The knowledge base as the server and the command line use it: sources in, passages out.
 * Syncs run one at a time (a watcher's sync waits for a user's ingest), and searching never
 * waits for them: SQLite's WAL lets readers see the last committed state while a sync writes.
 */
import type { Database } from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { KbContribution, KbIngestResult, KbPassage, KbSearchParams, KbSourceInfo, KbStats, Visibility } from '../../protocol/knowledge';
import type { Logger } from '../log';
import { ProviderError } from '../providers/errors';
import type { Embedder } from './embed/embedder';
import { Feedback, FeedbackError } from './feedback';
import { Indexer, type SyncOptions, type SyncResult } from './indexer';
import { Searcher, type SearchOptions } from './search';
import { KnowledgeStore, type Source, type SourceKind } from './store';
import { FolderWatcher } from './watcher';

export { FeedbackError };

export interface KnowledgeBaseOptions {
  db: Database;
  /** The database file, for the stats view. */
  file: string;
  embedder: Embedder;
  log: Logger;
  /** Where notes made from an editor selection are written. */
  notesDir?: string;
  /** Keep added folders in sync by watching them (the server does; the command line does not). */
  watch?: boolean;
  /** Told after every sync that changed something, e.g. to refresh the sidebar. */
  onChange?: () => void;
}

export class KnowledgeBase {
  readonly store: KnowledgeStore;
  readonly feedback: Feedback;
  private readonly indexer: Indexer;
  private readonly searcher: Searcher;
  private readonly watchers = new Map<number, FolderWatcher>();
  private queue: Promise<unknown> = Promise.resolve();
  private busy: string | undefined;

  constructor(private readonly options: KnowledgeBaseOptions) {
    this.store = new KnowledgeStore(options.db);
    this.feedback = new Feedback(this.store);
    this.indexer = new Indexer(this.store, options.embedder, options.log);
    this.searcher = new Searcher(this.store, options.embedder, this.feedback);
  }

  get embedder(): Embedder {
    return this.options.embedder;
  }

  /** Adds a folder (or a single note file) and indexes it. Adding it again syncs it. */
  async add(path: string, options: SyncOptions = {}): Promise<KbIngestResult> {
    const absolute = resolve(path);
    const kind = sourceKindOf(absolute);
    const source = this.store.addSource(kind, absolute);
    const result = await this.sync(source, options);
    if (kind === 'folder') this.watch(source);
    return result;
  }

  /** Writes an editor selection as a note in the notes folder and indexes it. */
  async addNote(title: string, text: string, options: SyncOptions = {}): Promise<{ path: string; result: KbIngestResult }> {
    if (!this.options.notesDir) throw new FeedbackError('This knowledge base has no folder for new notes.');
    const cleanTitle = title.trim() || 'Note';
    if (!text.trim()) throw new FeedbackError('The selection is empty; select some text to keep as a note.');
    await mkdir(this.options.notesDir, { recursive: true });
    const path = uniquePath(this.options.notesDir, cleanTitle);
    await writeFile(path, `# ${cleanTitle}\n\n${text.trim()}\n`, { flag: 'wx' });
    const source = this.store.addSource('note', path);
    return { path, result: await this.sync(source, options) };
  }

  removeSource(sourceId: number): void {
    this.watchers.get(sourceId)?.dispose();
    this.watchers.delete(sourceId);
    this.store.removeSource(sourceId);
    this.options.onChange?.();
  }

  /** Syncs every source: at start-up this catches what changed while Parley was not running. */
  async syncAll(options: SyncOptions = {}): Promise<void> {
    for (const source of this.store.sources()) {
      await this.sync(source, options);
      if (source.kind === 'folder') this.watch(source);
    }
  }

  sync(source: Source, options: SyncOptions = {}): Promise<KbIngestResult> {
    return this.serialized(`Indexing ${source.path}`, async () => {
      try {
        const result = await this.indexer.sync(source, options);
        this.changed(result);
        return result;
      } catch (error) {
        if (!options.signal?.aborted) throw error;
        this.options.onChange?.();
        return { indexed: 0, unchanged: 0, removed: 0, skipped: [], embedded: 0, elapsedMs: 0, cancelled: true };
      }
    });
  }

  /** Reads what fast searches need (a large index's compact vectors) in the background. */
  warmUp(): Promise<void> {
    return this.searcher.warmUp();
  }

  /** Searches; when the embeddings provider fails, the words alone still find passages (BM25). */
  async search(params: SearchOptions): Promise<KbPassage[]> {
    try {
      return await this.searcher.search(params);
    } catch (error) {
      if (!(error instanceof ProviderError) || params.mode === 'bm25' || params.signal?.aborted) throw error;
      this.options.log.warn('Searching by words only: the embeddings provider failed', { error: error.message });
      return this.searcher.search({ ...params, mode: 'bm25' });
    }
  }

  async searchTimed(params: KbSearchParams, signal?: AbortSignal): Promise<{ passages: KbPassage[]; tookMs: number }> {
    const startedAt = performance.now();
    const passages = await this.search({ ...params, signal });
    return { passages, tookMs: performance.now() - startedAt };
  }

  vote(chunkId: number, vote: 1 | -1) {
    return this.feedback.vote(chunkId, vote);
  }

  correct(chunkId: number, text: string) {
    return this.feedback.correct(chunkId, text);
  }

  addTag(documentId: number, tag: string): string[] {
    return this.feedback.addTag(documentId, tag);
  }

  setVisibility(documentId: number, visibility: Visibility): void {
    this.feedback.setVisibility(documentId, visibility);
  }

  contributions(): KbContribution[] {
    return this.feedback.contributions();
  }

  stats(): KbStats {
    const counts = this.store.counts();
    const db = this.options.db;
    const byVisibility = { private: 0, shared: 0, public: 0 };
    for (const row of db.prepare('SELECT visibility, count(*) AS n FROM documents GROUP BY visibility').all() as { visibility: Visibility; n: number }[])
      byVisibility[row.visibility] = row.n;
    const sources: KbSourceInfo[] = this.store.sources().map((source) => ({
      ...source,
      documents: db.prepare('SELECT count(*) FROM documents WHERE source_id = ?').pluck().get(source.id) as number,
      watching: this.watchers.has(source.id),
    }));
    return {
      documents: counts.documents,
      chunks: counts.chunks,
      embedded: counts.embedded,
      embedder: this.store.vectors.embedderId ?? this.options.embedder.id,
      sources,
      byVisibility,
      votes: db.prepare('SELECT count(*) FROM votes').pluck().get() as number,
      corrections: db.prepare('SELECT count(*) FROM corrections').pluck().get() as number,
      lastSyncAt: sources.reduce<number | null>((latest, source) => Math.max(latest ?? 0, source.syncedAt ?? 0) || latest, null),
      database: this.options.file,
      ...(this.busy ? { busy: this.busy } : {}),
    };
  }

  /** Stops watching and frees the embedder (a loaded model, say). */
  dispose(): void {
    for (const watcher of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
    this.options.embedder.dispose?.().catch((error: unknown) => this.options.log.warn('The embedder could not be freed', { error: String(error) }));
  }

  private watch(source: Source): void {
    if (!this.options.watch || this.watchers.has(source.id)) return;
    const watcher = new FolderWatcher(source.path, this.options.log, () => {
      this.sync(source).catch((error: unknown) =>
        this.options.log.warn('Knowledge base sync after a change failed', { folder: source.path, error: String(error) }),
      );
    });
    this.watchers.set(source.id, watcher);
  }

  private changed(result: SyncResult): void {
    if (result.indexed > 0 || result.removed > 0 || result.embedded > 0) this.options.onChange?.();
  }

  private serialized<T>(label: string, work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      this.busy = label;
      try {
        return await work();
      } finally {
        this.busy = undefined;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function sourceKindOf(path: string): SourceKind {
  if (!existsSync(path)) throw new FeedbackError(`${path} does not exist.`);
  return statSync(path).isDirectory() ? 'folder' : 'file';
}

/** A file name from a note title that does not overwrite an existing note. */
function uniquePath(dir: string, title: string): string {
  const base =
    title
      .replace(/[\\/:*?"<>|#^[\]]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || 'Note';
  for (let n = 1; ; n++) {
    const candidate = join(dir, n === 1 ? `${base}.md` : `${base} ${n}.md`);
    if (!existsSync(candidate)) return candidate;
  }
}
