/**
 * Keeps the store in step with the files: reads what changed since the last sync (by size and
 * modification time), re-chunks it, embeds only passages whose text is new, and removes what
 * was deleted. Documents are committed one by one as they complete, so cancelling or crashing
 * keeps everything done so far, and the next sync picks up the rest.
 *
 * Votes and corrections belong to a note's path (see feedback.ts), so a sync that sees a note
 * vanish and a new one appear with exactly the same passages takes it for a move, and the
 * feedback goes along. The new path starts private, as every new document does, so a move can
 * never show private feedback to more people than before.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from '../log';
import { errorMessage } from '../log';
import type { Embedder } from './embed/embedder';
import { listNoteFiles, noteKind, readNote, type NoteFile, type SkippedFile } from './ingest/files';
import type { ParsedNote } from './ingest/note';
import { embeddingText, passageKey, type KnowledgeStore, type Source, type StoredDocument } from './store';

/** How many documents share one round of embedding requests. */
const GROUP_SIZE = 64;

export interface SyncProgress {
  phase: 'scanning' | 'indexing' | 'embedding';
  done: number;
  total: number;
}

export interface SyncResult {
  /** Documents read and written because they were new or changed. */
  indexed: number;
  unchanged: number;
  removed: number;
  skipped: SkippedFile[];
  /** Passages given a vector in this sync. */
  embedded: number;
  /** Why embedding stopped, when the embedder failed; the passages are searchable by words meanwhile. */
  embeddingError?: string;
  elapsedMs: number;
}

export interface SyncOptions {
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
}

interface ReadDocument {
  file: NoteFile;
  note: ParsedNote;
}

export class Indexer {
  constructor(
    private readonly store: KnowledgeStore,
    private readonly embedder: Embedder,
    private readonly log: Logger,
  ) {
    if (store.vectors.prepare(embedder.id, embedder.dimensions)) log.info('Knowledge base vectors reset for a new embedder', { embedder: embedder.id });
  }

  async sync(source: Source, options: SyncOptions = {}): Promise<SyncResult> {
    const startedAt = performance.now();
    options.onProgress?.({ phase: 'scanning', done: 0, total: 0 });
    const { files, skipped } = await this.list(source, options.signal);
    const stored = this.store.documentsByPath(source.id);
    const changed = files.filter((file) => isChanged(file, stored.get(file.path)));
    const result: SyncResult = { indexed: 0, unchanged: files.length - changed.length, removed: 0, skipped, embedded: 0, elapsedMs: 0 };
    const moves = this.removeGone(stored, files, result);
    for (let start = 0; start < changed.length; start += GROUP_SIZE) {
      options.signal?.throwIfAborted();
      await this.indexGroup(source, changed.slice(start, start + GROUP_SIZE), result, options.signal, moves);
      options.onProgress?.({ phase: 'indexing', done: Math.min(start + GROUP_SIZE, changed.length), total: changed.length });
    }
    if (!result.embeddingError) await this.embedMissing(result, options);
    this.store.markSynced(source.id);
    for (const file of result.skipped) this.log.warn('Knowledge base skipped a file', { path: file.path, reason: file.reason });
    return { ...result, elapsedMs: performance.now() - startedAt };
  }

  private async list(source: Source, signal: AbortSignal | undefined): Promise<{ files: NoteFile[]; skipped: SkippedFile[] }> {
    if (source.kind === 'folder') return listNoteFiles(source.path, { signal });
    return singleFile(source.path);
  }

  /** Deletes the documents whose files are gone, remembering their passages to recognise moves. */
  private removeGone(stored: ReadonlyMap<string, StoredDocument>, files: readonly NoteFile[], result: SyncResult): Moves {
    const moves = new Moves(stored);
    for (const path of removedPaths(stored, files)) {
      const { id } = stored.get(path)!;
      moves.removed(path, this.store.passagesOf(id));
      this.store.deleteDocument(id);
      result.removed++;
    }
    return moves;
  }

  private async indexGroup(source: Source, files: readonly NoteFile[], result: SyncResult, signal: AbortSignal | undefined, moves: Moves): Promise<void> {
    const documents: ReadDocument[] = [];
    for (const file of files) {
      const read = await readNote(file);
      if ('skipped' in read) result.skipped.push(read.skipped);
      else documents.push({ file, note: read.note });
    }
    const vectors = await this.embedNew(documents, result, signal);
    for (const { file, note } of documents) {
      this.followMove(moves, file, note);
      this.store.writeDocument(source.id, file, note, vectors);
      result.indexed++;
    }
  }

  /** A new note that is a removed one moved: its feedback comes along before its passages are written. */
  private followMove(moves: Moves, file: NoteFile, note: ParsedNote): void {
    const from = moves.claim(
      file.path,
      note.chunks.map((chunk) => passageKey(chunk.text)),
    );
    if (from && this.store.moveFeedback(from, file.path)) this.log.info('Knowledge base feedback followed a moved note', { from, to: file.path });
  }

  /** Vectors for the passages of these documents that the store has no current vector for. */
  private async embedNew(documents: readonly ReadDocument[], result: SyncResult, signal: AbortSignal | undefined): Promise<Map<string, Float32Array>> {
    const vectors = new Map<string, Float32Array>();
    if (result.embeddingError) return vectors;
    const wanted = new Map<string, string>();
    for (const { file, note } of documents) {
      const known = this.store.embeddedPassages(file.path);
      for (const chunk of note.chunks) {
        const key = passageKey(chunk.text);
        if (!known.has(key)) wanted.set(key, embeddingText(chunk));
      }
    }
    const keys = [...wanted.keys()];
    try {
      for (let start = 0; start < keys.length; start += this.embedder.batchSize) {
        const batch = keys.slice(start, start + this.embedder.batchSize);
        const embedded = await this.embedder.embed(
          batch.map((key) => wanted.get(key)!),
          signal,
        );
        batch.forEach((key, i) => vectors.set(key, embedded[i]!));
      }
      result.embedded += vectors.size;
    } catch (error) {
      if (signal?.aborted) throw error;
      result.embeddingError = errorMessage(error);
      this.log.warn('Embedding failed; passages are searchable by their words until it works again', { error: result.embeddingError });
    }
    return vectors;
  }

  /** Embeds passages left without a vector: after an embedder change or an earlier failure. */
  async embedMissing(result: Pick<SyncResult, 'embedded' | 'embeddingError'>, options: SyncOptions = {}): Promise<void> {
    const counts = this.store.counts();
    const total = counts.chunks - counts.embedded;
    let done = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const rows = this.store.chunksToEmbed(this.embedder.batchSize);
      if (rows.length === 0) return;
      try {
        this.store.storeVectors(
          rows,
          await this.embedder.embed(
            rows.map((row) => row.text),
            options.signal,
          ),
        );
      } catch (error) {
        if (options.signal?.aborted) throw error;
        result.embeddingError = errorMessage(error);
        return;
      }
      done += rows.length;
      result.embedded += rows.length;
      options.onProgress?.({ phase: 'embedding', done, total });
    }
  }
}

/**
 * The notes removed in one sync, by their passages, for recognising a new note as one of them
 * moved. Two removed notes with the same passages are ambiguous, and neither is followed; a
 * removed note is claimed by one new note at most, and a note that was already indexed at its
 * path claims none (it was edited, not moved).
 */
class Moves {
  private readonly byPassages = new Map<string, string | undefined>();

  constructor(private readonly stored: ReadonlyMap<string, unknown>) {}

  removed(path: string, passages: readonly string[]): void {
    if (passages.length === 0) return;
    const key = passages.join(' ');
    this.byPassages.set(key, this.byPassages.has(key) ? undefined : path);
  }

  /** The removed note that the new note at `path` is, moved. */
  claim(path: string, passages: readonly string[]): string | undefined {
    if (this.stored.has(path)) return undefined;
    const key = passages.join(' ');
    const from = this.byPassages.get(key);
    if (from) this.byPassages.set(key, undefined);
    return from;
  }
}

function isChanged(file: NoteFile, stored: { size: number; mtimeMs: number } | undefined): boolean {
  return !stored || stored.size !== file.size || stored.mtimeMs !== Math.trunc(file.mtimeMs);
}

function removedPaths(stored: ReadonlyMap<string, unknown>, files: readonly NoteFile[]): string[] {
  const present = new Set(files.map((file) => file.path));
  return [...stored.keys()].filter((path) => !present.has(path));
}

/** A source that is one file: it is listed when it still exists and is a note. */
async function singleFile(path: string): Promise<{ files: NoteFile[]; skipped: SkippedFile[] }> {
  const kind = noteKind(path);
  if (!kind) return { files: [], skipped: [{ path, reason: 'not a Markdown or text file' }] };
  try {
    const info = await stat(path);
    return { files: [{ path, relPath: basename(path), kind, size: info.size, mtimeMs: info.mtimeMs }], skipped: [] };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], skipped: [] };
    return { files: [], skipped: [{ path, reason: `unreadable: ${errorMessage(error)}` }] };
  }
}
