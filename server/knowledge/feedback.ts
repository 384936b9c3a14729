/**
 * What users add to the knowledge base besides files: votes, corrections, tags and visibility.
 * Votes and corrections belong to a passage of the note they were given on, keyed by the note's
 * path and the hash of the passage's text, so they outlive re-indexing (and a move the indexer
 * recognises); a correction is a new version, and the original text is kept with it.
 *
 * A vote or correction does not count for the same paragraph in another note. When they were
 * keyed by the text alone, a correction written on a private note was shown and searched with a
 * shared note's copy of the paragraph, so a search limited to shared content revealed private
 * text, and votes given in private moved shared rankings where anyone could infer them. A twin
 * can also be right in one note and wrong in the other, whose context gives it another meaning.
 */
import type { KbContribution, KbCorrection, Visibility } from '../../protocol/knowledge';
import { VISIBILITY_LEVELS } from '../../protocol/knowledge';
import { latestCorrection, qualityScore, votesFor, type KnowledgeStore } from './store';

const MAX_CORRECTION_CHARS = 8_000;
const TAG = /^[\p{L}\p{N}_\-/]*[\p{L}_\-/][\p{L}\p{N}_\-/]*$/u;

export class FeedbackError extends Error {}

interface ChunkRef {
  id: number;
  passage: string;
  text: string;
  path: string;
  title: string;
  heading: string;
}

export class Feedback {
  constructor(private readonly store: KnowledgeStore) {}

  private get db() {
    return this.store.db;
  }

  /** The votes on a passage of the note at `path`. */
  votesOf(path: string, passage: string): { up: number; down: number } {
    return votesFor(this.db, path, passage);
  }

  /** The newest correction of a passage of the note at `path`. */
  correctionOf(path: string, passage: string): KbCorrection | undefined {
    return latestCorrection(this.db, path, passage);
  }

  userTags(path: string): string[] {
    return this.db.prepare('SELECT tag FROM document_tags WHERE path = ? ORDER BY created_at').pluck().all(path) as string[];
  }

  /** Records a helpful (+1) or not helpful (-1) vote and returns the passage's new quality. */
  vote(chunkId: number, vote: 1 | -1): { quality: number; up: number; down: number } {
    if (vote !== 1 && vote !== -1) throw new FeedbackError('A vote is +1 (helpful) or -1 (not helpful).');
    const chunk = this.chunk(chunkId);
    return this.db.transaction(() => {
      this.db.prepare('INSERT INTO votes (path, passage, vote, created_at) VALUES (?, ?, ?, ?)').run(chunk.path, chunk.passage, vote, Date.now());
      const votes = this.votesOf(chunk.path, chunk.passage);
      const quality = qualityScore(votes.up, votes.down);
      this.store.vectors.setQuality(this.chunksOf(chunk), quality);
      return { quality, ...votes };
    })();
  }

  /** Stores a correction as the passage's next version and makes it searchable with the passage. */
  correct(chunkId: number, text: string): KbCorrection {
    const trimmed = text.trim();
    if (!trimmed) throw new FeedbackError('A correction needs some text.');
    if (trimmed.length > MAX_CORRECTION_CHARS)
      throw new FeedbackError(`A correction can be at most ${MAX_CORRECTION_CHARS} characters; this one has ${trimmed.length}.`);
    const chunk = this.chunk(chunkId);
    return this.db.transaction(() => {
      const version = (this.correctionOf(chunk.path, chunk.passage)?.version ?? 0) + 1;
      const createdAt = Date.now();
      const insert = 'INSERT INTO corrections (path, passage, version, text, original, created_at) VALUES (?, ?, ?, ?, ?, ?)';
      this.db.prepare(insert).run(chunk.path, chunk.passage, version, trimmed, chunk.text, createdAt);
      for (const id of this.chunksOf(chunk)) this.db.prepare('UPDATE chunks_fts SET correction = ? WHERE rowid = ?').run(trimmed, id);
      return { text: trimmed, version, createdAt };
    })();
  }

  addTag(documentId: number, raw: string): string[] {
    const tag = raw.trim().replace(/^#/, '');
    if (!TAG.test(tag)) throw new FeedbackError(`"${raw}" is not a tag: use letters, digits, _, - and / (nested tags), with at least one letter.`);
    const path = this.documentPath(documentId);
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO document_tags (path, tag, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(path, tag, Date.now());
      this.db.prepare(`UPDATE chunks_fts SET tags = tags || ' ' || ? WHERE rowid IN (SELECT id FROM chunks WHERE document_id = ?)`).run(tag, documentId);
    })();
    return this.userTags(path);
  }

  setVisibility(documentId: number, visibility: Visibility): void {
    if (!VISIBILITY_LEVELS.includes(visibility))
      throw new FeedbackError(`Visibility is one of ${VISIBILITY_LEVELS.join(', ')}; "${String(visibility)}" is not.`);
    this.documentPath(documentId);
    this.db.transaction(() => {
      this.db.prepare('UPDATE documents SET visibility = ? WHERE id = ?').run(visibility, documentId);
      const chunkIds = this.db.prepare('SELECT id FROM chunks WHERE document_id = ?').pluck().all(documentId) as number[];
      this.store.vectors.setVisibility(chunkIds, visibility);
    })();
  }

  /** What this user added, newest first: votes, corrections, tags, and notes made from selections. */
  contributions(limit = 200): KbContribution[] {
    const passageTitle = `(SELECT d.title || CASE WHEN c.heading <> '' THEN ' › ' || c.heading ELSE '' END FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = x.path AND c.passage = x.passage LIMIT 1)`;
    const passagePath = `(SELECT d.path FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = x.path AND c.passage = x.passage LIMIT 1)`;
    const sql = `
      SELECT 'vote' AS kind, x.created_at AS createdAt, ${passageTitle} AS title, ${passagePath} AS path, CASE x.vote WHEN 1 THEN 'helpful' ELSE 'not helpful' END AS detail FROM votes x
      UNION ALL SELECT 'correction', x.created_at, ${passageTitle}, ${passagePath}, 'version ' || x.version || ': ' || x.text FROM corrections x
      UNION ALL SELECT 'tag', t.created_at, coalesce((SELECT title FROM documents WHERE path = t.path), t.path), t.path, '#' || t.tag FROM document_tags t
      UNION ALL SELECT 'note', s.added_at, coalesce((SELECT title FROM documents WHERE path = s.path), s.path), s.path, 'note from a selection' FROM sources s WHERE s.kind = 'note'
      ORDER BY createdAt DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(limit) as (Omit<KbContribution, 'title' | 'path'> & { title: string | null; path: string | null })[];
    return rows.map((row) => ({ ...row, title: row.title ?? '(a passage no longer in the knowledge base)', path: row.path ?? undefined }));
  }

  private chunk(chunkId: number): ChunkRef {
    const sql = 'SELECT c.id, c.passage, c.text, d.path, d.title, c.heading FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?';
    const row = this.db.prepare(sql).get(chunkId) as ChunkRef | undefined;
    if (!row) throw new FeedbackError(`No passage ${chunkId} in the knowledge base; it may have been re-indexed. Search again.`);
    return row;
  }

  /** The chunks holding this passage in the same note: a paragraph repeated within a note shares its feedback. */
  private chunksOf(chunk: ChunkRef): number[] {
    const sql = 'SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = ? AND c.passage = ?';
    return this.db.prepare(sql).pluck().all(chunk.path, chunk.passage) as number[];
  }

  private documentPath(documentId: number): string {
    const path = this.db.prepare('SELECT path FROM documents WHERE id = ?').pluck().get(documentId) as string | undefined;
    if (!path) throw new FeedbackError(`No document ${documentId} in the knowledge base; it may have been removed.`);
    return path;
  }
}
