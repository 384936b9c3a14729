/**
 * The knowledge base on disk: sources (folders, files, notes made from a selection), their
 * documents and passages, with the full-text index and the vector index kept in step. Every
 * document is written in one transaction, so a crash mid-ingest leaves whole documents only and
 * the next sync continues with the rest.
 */
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { KbCorrection, Visibility } from '../../protocol/knowledge';
import type { NoteChunk, ParsedNote } from './ingest/note';
import { VectorIndex } from './vectors';

export type SourceKind = 'folder' | 'file' | 'note';
export type { Visibility };

export interface Source {
  id: number;
  kind: SourceKind;
  path: string;
  addedAt: number;
  syncedAt: number | null;
}

export interface StoredDocument {
  id: number;
  path: string;
  relPath: string;
  size: number;
  mtimeMs: number;
}

export interface DocumentFile {
  path: string;
  relPath: string;
  size: number;
  mtimeMs: number;
}

/**
 * A passage's identity within its note: the hash of its text, whatever heading holds it. Feedback
 * is keyed by the note's path and this key (see feedback.ts).
 */
export function passageKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * What the embedder sees: the breadcrumb gives a passage the context of its note and headings.
 * Link targets, bare URLs and HTML tags are left out: their percent-encoded paths and markup
 * words are noise to a bag-of-features embedder (vector leg MRR@10 0.58 → 0.59, hybrid recall
 * 0.875 → 0.908 on the Hub questions); the link text stays.
 */
export function embeddingText(chunk: Pick<NoteChunk, 'headingPath' | 'text'>): string {
  const text = chunk.text
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/<[^>]+>/g, ' ');
  return `${chunk.headingPath.join(' › ')}\n${text}`;
}

/**
 * (Re)writes a note's row in the whole-note full-text index from its stored passages: title and
 * aliases, its headings, and its text in reading order. Search fuses it with the passages' ranking
 * (search.ts says why).
 */
export function indexWholeNote(db: Database, documentId: number): void {
  const note = db.prepare('SELECT title, aliases FROM documents WHERE id = ?').get(documentId) as { title: string; aliases: string } | undefined;
  db.prepare('DELETE FROM documents_fts WHERE rowid = ?').run(documentId);
  if (!note) return;
  const chunks = db.prepare('SELECT heading, text FROM chunks WHERE document_id = ? ORDER BY ord').all(documentId) as { heading: string; text: string }[];
  const headings = [...new Set(chunks.map((chunk) => chunk.heading).filter(Boolean))];
  db.prepare('INSERT INTO documents_fts (rowid, title, headings, text) VALUES (?, ?, ?, ?)').run(
    documentId,
    [note.title, ...(JSON.parse(note.aliases) as string[])].join(' · '),
    headings.join(' › '),
    chunks.map((chunk) => chunk.text).join('\n'),
  );
}

/** A passage waiting for a vector, with the text the embedder sees and what its vector row needs. */
export interface ChunkToEmbed {
  id: number;
  path: string;
  passage: string;
  text: string;
  visibility: Visibility;
}

interface ChunkRow {
  id: number;
  passage: string;
  embedded_with: string | null;
}

export class KnowledgeStore {
  readonly vectors: VectorIndex;

  constructor(readonly db: Database) {
    this.vectors = new VectorIndex(db);
  }

  addSource(kind: SourceKind, path: string): Source {
    this.db.prepare('INSERT INTO sources (kind, path, added_at) VALUES (?, ?, ?) ON CONFLICT (path) DO NOTHING').run(kind, path, Date.now());
    return this.sourceByPath(path)!;
  }

  sourceByPath(path: string): Source | undefined {
    const row = this.db.prepare('SELECT id, kind, path, added_at AS addedAt, synced_at AS syncedAt FROM sources WHERE path = ?').get(path);
    return row as Source | undefined;
  }

  sources(): Source[] {
    return this.db.prepare('SELECT id, kind, path, added_at AS addedAt, synced_at AS syncedAt FROM sources ORDER BY id').all() as Source[];
  }

  markSynced(sourceId: number): void {
    this.db.prepare('UPDATE sources SET synced_at = ? WHERE id = ?').run(Date.now(), sourceId);
  }

  removeSource(sourceId: number): void {
    this.db.transaction(() => {
      for (const doc of this.documents(sourceId)) this.deleteDocumentRows(doc.id);
      this.db.prepare('DELETE FROM sources WHERE id = ?').run(sourceId);
    })();
  }

  documentAt(path: string): { id: number; title: string } | undefined {
    return this.db.prepare('SELECT id, title FROM documents WHERE path = ?').get(path) as { id: number; title: string } | undefined;
  }

  /** The documents of a source, keyed by absolute path. */
  documentsByPath(sourceId: number): Map<string, StoredDocument> {
    return new Map(this.documents(sourceId).map((doc) => [doc.path, doc]));
  }

  private documents(sourceId: number): StoredDocument[] {
    const sql = 'SELECT id, path, rel_path AS relPath, size, mtime_ms AS mtimeMs FROM documents WHERE source_id = ?';
    return this.db.prepare(sql).all(sourceId) as StoredDocument[];
  }

  /** Passages already stored for a path whose vectors are current: these need no embedding. */
  embeddedPassages(path: string): Set<string> {
    const sql = 'SELECT c.passage FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = ? AND c.embedded_with = ?';
    const rows = this.db.prepare(sql).all(path, this.vectors.embedderId ?? '') as { passage: string }[];
    return new Set(rows.map((row) => row.passage));
  }

  /**
   * Writes one document and its passages. Passages whose text is unchanged keep their row and
   * vector; `vectors` holds new vectors by passage key (missing ones are embedded later).
   */
  writeDocument(sourceId: number, file: DocumentFile, note: ParsedNote, vectors: ReadonlyMap<string, Float32Array>): number {
    return this.db.transaction(() => {
      const documentId = this.upsertDocument(sourceId, file, note);
      const visibility = this.visibilityOf(documentId);
      const kept = this.reusableChunks(documentId);
      const userTags = this.db.prepare('SELECT tag FROM document_tags WHERE path = ?').pluck().all(file.path) as string[];
      const used = new Set<number>();
      note.chunks.forEach((chunk, ord) => {
        const passage = passageKey(chunk.text);
        const reuse = kept.get(passage)?.find((row) => !used.has(row.id));
        const chunkId = reuse ? this.updateChunk(reuse.id, ord, chunk) : this.insertChunk(documentId, ord, chunk, passage);
        used.add(chunkId);
        this.indexText(chunkId, note, chunk, latestCorrection(this.db, file.path, passage)?.text ?? '', userTags);
        const vector = vectors.get(passage);
        if (vector && !(reuse && reuse.embedded_with === this.vectors.embedderId))
          this.setVector(chunkId, vector, visibility, this.qualityOf(file.path, passage));
      });
      for (const rows of kept.values()) for (const row of rows) if (!used.has(row.id)) this.deleteChunk(row.id);
      indexWholeNote(this.db, documentId);
      return documentId;
    })();
  }

  private upsertDocument(sourceId: number, file: DocumentFile, note: ParsedNote): number {
    const row = this.db
      .prepare(
        `INSERT INTO documents (source_id, path, rel_path, title, aliases, tags, size, mtime_ms, indexed_at)
         VALUES (@sourceId, @path, @relPath, @title, @aliases, @tags, @size, @mtimeMs, @now)
         ON CONFLICT (path) DO UPDATE SET source_id = excluded.source_id, rel_path = excluded.rel_path, title = excluded.title,
           aliases = excluded.aliases, tags = excluded.tags, size = excluded.size, mtime_ms = excluded.mtime_ms, indexed_at = excluded.indexed_at
         RETURNING id`,
      )
      .get({
        sourceId,
        ...file,
        mtimeMs: Math.trunc(file.mtimeMs),
        title: note.title,
        aliases: JSON.stringify(note.aliases),
        tags: JSON.stringify(note.tags),
        now: Date.now(),
      }) as { id: number };
    return row.id;
  }

  private visibilityOf(documentId: number): Visibility {
    return (this.db.prepare('SELECT visibility FROM documents WHERE id = ?').get(documentId) as { visibility: Visibility }).visibility;
  }

  private reusableChunks(documentId: number): Map<string, ChunkRow[]> {
    const rows = this.db.prepare('SELECT id, passage, embedded_with FROM chunks WHERE document_id = ? ORDER BY ord').all(documentId) as ChunkRow[];
    const byPassage = new Map<string, ChunkRow[]>();
    for (const row of rows) byPassage.set(row.passage, [...(byPassage.get(row.passage) ?? []), row]);
    return byPassage;
  }

  private insertChunk(documentId: number, ord: number, chunk: NoteChunk, passage: string): number {
    const sql = `INSERT INTO chunks (document_id, ord, heading, heading_path, line, text, tags, passage) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`;
    const row = this.db
      .prepare(sql)
      .get(documentId, ord, chunk.heading, JSON.stringify(chunk.headingPath), chunk.line, chunk.text, JSON.stringify(chunk.tags), passage) as { id: number };
    return row.id;
  }

  private updateChunk(chunkId: number, ord: number, chunk: NoteChunk): number {
    const sql = 'UPDATE chunks SET ord = ?, heading = ?, heading_path = ?, line = ?, tags = ? WHERE id = ?';
    this.db.prepare(sql).run(ord, chunk.heading, JSON.stringify(chunk.headingPath), chunk.line, JSON.stringify(chunk.tags), chunkId);
    return chunkId;
  }

  /** (Re)writes a passage's full-text row: title and aliases, breadcrumb, text, tags, latest correction. */
  private indexText(chunkId: number, note: ParsedNote, chunk: NoteChunk, correction: string, userTags: readonly string[]): void {
    this.db.prepare('DELETE FROM chunks_fts WHERE rowid = ?').run(chunkId);
    const title = [note.title, ...note.aliases].join(' · ');
    const heading = chunk.headingPath.slice(1).join(' › ');
    const tags = [...chunk.tags, ...userTags];
    this.db
      .prepare('INSERT INTO chunks_fts (rowid, title, heading, text, tags, correction) VALUES (?, ?, ?, ?, ?, ?)')
      .run(chunkId, title, heading, chunk.text, tags.join(' '), correction);
  }

  private setVector(chunkId: number, vector: Float32Array, visibility: Visibility, quality: number): void {
    this.vectors.put(chunkId, vector, visibility, quality);
    this.db.prepare('UPDATE chunks SET embedded_with = ? WHERE id = ?').run(this.vectors.embedderId, chunkId);
  }

  /** The vote-based quality of a note's passage (see feedback.ts); 0.5 when nobody has voted. */
  private qualityOf(path: string, passage: string): number {
    const { up, down } = votesFor(this.db, path, passage);
    return qualityScore(up, down);
  }

  /**
   * Gives the votes and corrections of a note that moved to its new path, before the note is
   * written there. Nothing moves onto a path that is already a document (its visibility may be
   * wider than the moved note's) or already has feedback of its own (a note once deleted there),
   * which would mix two notes' feedback.
   */
  moveFeedback(from: string, to: string): boolean {
    return this.db.transaction(() => {
      const taken = this.db
        .prepare('SELECT 1 FROM documents WHERE path = ? UNION ALL SELECT 1 FROM votes WHERE path = ? UNION ALL SELECT 1 FROM corrections WHERE path = ?')
        .get(to, to, to);
      if (taken) return false;
      this.db.prepare('UPDATE votes SET path = ? WHERE path = ?').run(to, from);
      this.db.prepare('UPDATE corrections SET path = ? WHERE path = ?').run(to, from);
      return true;
    })();
  }

  /** The whole text of each passage asked for that still exists. */
  passageTexts(chunkIds: readonly number[]): Map<number, string> {
    const read = this.db.prepare('SELECT text FROM chunks WHERE id = ?').pluck();
    const texts = new Map<number, string>();
    for (const id of chunkIds) {
      const text = read.get(id) as string | undefined;
      if (text !== undefined) texts.set(id, text);
    }
    return texts;
  }

  /** A document's passage keys in order: what the indexer compares to recognise a moved note. */
  passagesOf(documentId: number): string[] {
    return this.db.prepare('SELECT passage FROM chunks WHERE document_id = ? ORDER BY ord').pluck().all(documentId) as string[];
  }

  private deleteChunk(chunkId: number): void {
    this.db.prepare('DELETE FROM chunks_fts WHERE rowid = ?').run(chunkId);
    this.vectors.delete(chunkId);
    this.db.prepare('DELETE FROM chunks WHERE id = ?').run(chunkId);
  }

  deleteDocument(documentId: number): void {
    this.db.transaction(() => this.deleteDocumentRows(documentId))();
  }

  private deleteDocumentRows(documentId: number): void {
    const chunkIds = this.db.prepare('SELECT id FROM chunks WHERE document_id = ?').pluck().all(documentId) as number[];
    for (const chunkId of chunkIds) this.deleteChunk(chunkId);
    this.db.prepare('DELETE FROM documents_fts WHERE rowid = ?').run(documentId);
    this.db.prepare('DELETE FROM documents WHERE id = ?').run(documentId);
  }

  /** Passages still without a current vector (new, or the embedder changed), oldest first. */
  chunksToEmbed(limit: number): ChunkToEmbed[] {
    const sql = `SELECT c.id, d.path, c.passage, c.heading_path AS headingPath, c.text, d.visibility FROM chunks c JOIN documents d ON d.id = c.document_id
                 WHERE c.embedded_with IS NOT ? ORDER BY c.id LIMIT ?`;
    const rows = this.db.prepare(sql).all(this.vectors.embedderId ?? '', limit) as (ChunkToEmbed & { headingPath: string })[];
    return rows.map(({ headingPath, ...row }) => ({ ...row, text: embeddingText({ headingPath: JSON.parse(headingPath) as string[], text: row.text }) }));
  }

  /**
   * Stores vectors an embedder returned. The embedder may have taken seconds, so each passage's
   * visibility is read again here, not taken from when it was sent: a note made private meanwhile
   * must not keep a shared vector. A passage deleted meanwhile gets none.
   */
  storeVectors(rows: readonly Omit<ChunkToEmbed, 'text'>[], vectors: readonly Float32Array[]): void {
    const current = this.db.prepare('SELECT d.visibility FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?');
    this.db.transaction(() =>
      rows.forEach((row, i) => {
        const now = current.get(row.id) as { visibility: Visibility } | undefined;
        if (now) this.setVector(row.id, vectors[i]!, now.visibility, this.qualityOf(row.path, row.passage));
      }),
    )();
  }

  counts(): { sources: number; documents: number; chunks: number; embedded: number } {
    const sql = `SELECT (SELECT count(*) FROM sources) AS sources, (SELECT count(*) FROM documents) AS documents,
                 (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM chunks WHERE embedded_with = ?) AS embedded`;
    return this.db.prepare(sql).get(this.vectors.embedderId ?? '') as { sources: number; documents: number; chunks: number; embedded: number };
  }
}

/**
 * A passage's quality from its votes: the mean of a Beta posterior with a Beta(2, 2) prior,
 * (up + 2) / (up + down + 4). No votes gives the neutral 0.5, and a few votes move it only a
 * little (one up: 0.6, ten up: 0.86), so a single click cannot bury or crown a passage. Unlike a
 * Wilson lower bound, an unvoted passage is not ranked below a once-upvoted one by default.
 */
export function qualityScore(up: number, down: number): number {
  return (up + 2) / (up + down + 4);
}

/** The votes given on this passage of the note at this path (never those on a twin elsewhere). */
export function votesFor(db: Database, path: string, passage: string): { up: number; down: number } {
  const sql = 'SELECT coalesce(sum(vote = 1), 0) AS up, coalesce(sum(vote = -1), 0) AS down FROM votes WHERE path = ? AND passage = ?';
  return db.prepare(sql).get(path, passage) as { up: number; down: number };
}

/** The newest correction of this passage of the note at this path. */
export function latestCorrection(db: Database, path: string, passage: string): KbCorrection | undefined {
  const sql = 'SELECT text, version, created_at AS createdAt FROM corrections WHERE path = ? AND passage = ? ORDER BY version DESC LIMIT 1';
  return db.prepare(sql).get(path, passage) as KbCorrection | undefined;
}
