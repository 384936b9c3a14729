/**
 * Hybrid search: the BM25 ranking of the full-text index and the cosine ranking of the vector
 * index, each filtered inside its own query, fused by reciprocal rank fusion and nudged by the
 * passages' vote-based quality.
 *
 * RRF adds w / (K + rank) for each list a passage appears in. It needs no score calibration
 * between BM25 and cosine, which live on unrelated scales; the weights are tuned on the
 * known-item questions of bench/kb.ts.
 */
import type { Database } from 'better-sqlite3';
import type { KbPassage, KbSearchFilters, KbSearchParams, Visibility } from '../../protocol/knowledge';
import { VISIBILITY_LEVELS } from '../../protocol/knowledge';
import type { Embedder } from './embed/embedder';
import type { Feedback } from './feedback';
import { queryTerms, snippetOf } from './snippet';
import type { KnowledgeStore } from './store';
import { qualityScore } from './store';

export interface FusionWeights {
  bm25: number;
  vector: number;
  /** How far quality moves a score: 0.3 gives ×0.7 for the worst and ×1.3 for the best passage. */
  quality: number;
}

export const DEFAULT_WEIGHTS: FusionWeights = { bm25: 1, vector: 1, quality: 0.3 };
const RRF_K = 60;
/** How deep each leg looks before fusion. */
const LEG_DEPTH = 50;
/** BM25 weights of the columns title (with aliases), heading, text, tags, correction. */
const COLUMN_WEIGHTS = '5.0, 2.0, 1.0, 2.0, 1.0';

export type SearchMode = 'hybrid' | 'bm25' | 'vector';

export interface SearchOptions extends KbSearchParams {
  mode?: SearchMode;
  weights?: FusionWeights;
  signal?: AbortSignal;
}

interface Ranked {
  chunkId: number;
  rank: number;
}

export class Searcher {
  constructor(
    private readonly store: KnowledgeStore,
    private readonly embedder: Embedder,
    private readonly feedback: Feedback,
  ) {}

  private get db(): Database {
    return this.store.db;
  }

  async search(options: SearchOptions): Promise<KbPassage[]> {
    const terms = queryTerms(options.query);
    if (terms.length === 0) return [];
    const mode = options.mode ?? 'hybrid';
    const filters = options.filters ?? {};
    const depth = Math.max(LEG_DEPTH, options.k ?? 10);
    const lexical = mode === 'vector' ? [] : this.bm25(terms, filters, depth, options.prefix === true);
    const semantic = mode === 'bm25' ? [] : await this.nearest(options.query, filters, depth, options.signal);
    options.signal?.throwIfAborted();
    const fused = fuse(lexical, semantic, options.weights ?? DEFAULT_WEIGHTS, (id) => this.quality(id));
    return fused.slice(0, options.k ?? 10).map(({ chunkId, score }) => this.passage(chunkId, score, terms));
  }

  private bm25(terms: string[], filters: KbSearchFilters, depth: number, prefix: boolean): Ranked[] {
    const match = terms.map((term, i) => `"${term}"${prefix && i === terms.length - 1 ? '*' : ''}`).join(' OR ');
    const { sql, params } = filterSql(filters);
    const rows = this.db
      .prepare(
        `SELECT f.rowid AS chunkId FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id
         WHERE chunks_fts MATCH ? ${sql} ORDER BY bm25(chunks_fts, ${COLUMN_WEIGHTS}) LIMIT ?`,
      )
      .all(match, ...params, depth) as { chunkId: number }[];
    return rows.map((row, rank) => ({ chunkId: row.chunkId, rank }));
  }

  private async nearest(query: string, filters: KbSearchFilters, depth: number, signal: AbortSignal | undefined): Promise<Ranked[]> {
    if (this.store.vectors.embedderId !== this.embedder.id) return [];
    const [vector] = await this.embedder.embed([query], signal);
    const visibilities = filters.visibility ?? [...VISIBILITY_LEVELS];
    // Tag and folder filters are applied after the KNN, so look deeper to keep enough survivors.
    const narrowed = Boolean(filters.tag || filters.folder);
    const hits = this.store.vectors.nearest(vector!, narrowed ? depth * 8 : depth, visibilities);
    const kept = narrowed ? this.keepMatching(hits.map((hit) => hit.chunkId), filters) : hits.map((hit) => hit.chunkId);
    return kept.slice(0, depth).map((chunkId, rank) => ({ chunkId, rank }));
  }

  private keepMatching(chunkIds: number[], filters: KbSearchFilters): number[] {
    if (chunkIds.length === 0) return [];
    const { sql, params } = filterSql(filters);
    const marks = chunkIds.map(() => '?').join(', ');
    const rows = this.db.prepare(`SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (${marks}) ${sql}`).pluck().all(...chunkIds, ...params) as number[];
    const kept = new Set(rows);
    return chunkIds.filter((id) => kept.has(id));
  }

  private quality(chunkId: number): number {
    const passage = this.db.prepare('SELECT passage FROM chunks WHERE id = ?').pluck().get(chunkId) as string;
    return this.store.qualityOf(passage);
  }

  private passage(chunkId: number, score: number, terms: string[]): KbPassage {
    const row = this.db
      .prepare(
        `SELECT c.id AS chunkId, d.id AS documentId, d.path, d.rel_path AS relPath, d.title, c.heading, c.heading_path AS headingPath, c.line, c.text,
                c.tags AS chunkTags, d.tags AS docTags, d.visibility, c.passage
         FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?`,
      )
      .get(chunkId) as PassageRow;
    return toPassage(this.feedback, row, score, terms);
  }
}

interface PassageRow {
  chunkId: number;
  documentId: number;
  path: string;
  relPath: string;
  title: string;
  heading: string;
  headingPath: string;
  line: number;
  text: string;
  chunkTags: string;
  docTags: string;
  visibility: Visibility;
  passage: string;
}

export function toPassage(feedback: Feedback, row: PassageRow, score: number, terms: string[]): KbPassage {
  const votes = feedback.votesOf(row.passage);
  const correction = feedback.correctionOf(row.passage);
  const userTags = feedback.userTags(row.path);
  const tags = [...new Set([...(JSON.parse(row.docTags) as string[]), ...(JSON.parse(row.chunkTags) as string[]), ...userTags])];
  const { snippet, highlights } = snippetOf(row.text, terms);
  return {
    chunkId: row.chunkId,
    documentId: row.documentId,
    path: row.path,
    relPath: row.relPath,
    title: row.title,
    heading: row.heading,
    headingPath: JSON.parse(row.headingPath) as string[],
    line: row.line,
    snippet,
    highlights,
    tags,
    visibility: row.visibility,
    score,
    quality: qualityScore(votes.up, votes.down),
    votes,
    ...(correction ? { correction } : {}),
  };
}

/** SQL conditions on `d` (documents) and `c` (chunks) for the filters, with their parameters. */
function filterSql(filters: KbSearchFilters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filters.visibility) {
    parts.push(`d.visibility IN (${filters.visibility.map(() => '?').join(', ') || "''"})`);
    params.push(...filters.visibility);
  }
  if (filters.folder) {
    parts.push("(d.path = ? OR substr(d.path, 1, length(?) + 1) = ? || '/')");
    params.push(filters.folder, filters.folder, filters.folder);
  }
  if (filters.tag) {
    const tag = filters.tag.replace(/^#/, '').toLowerCase();
    parts.push(
      `EXISTS (SELECT 1 FROM json_each(c.tags) t WHERE lower(t.value) = ? OR lower(t.value) LIKE ? ESCAPE '\\'
        UNION ALL SELECT 1 FROM json_each(d.tags) t WHERE lower(t.value) = ? OR lower(t.value) LIKE ? ESCAPE '\\'
        UNION ALL SELECT 1 FROM document_tags u WHERE u.path = d.path AND lower(u.tag) = ?)`,
    );
    const nested = `${tag.replace(/[\\%_]/g, '\\$&')}/%`;
    params.push(tag, nested, tag, nested, tag);
  }
  return { sql: parts.map((part) => `AND ${part}`).join(' '), params };
}

/** Reciprocal rank fusion of the two legs, times the quality prior, best first. */
export function fuse(lexical: Ranked[], semantic: Ranked[], weights: FusionWeights, quality: (chunkId: number) => number): { chunkId: number; score: number }[] {
  const scores = new Map<number, number>();
  const add = (list: Ranked[], weight: number) => {
    for (const { chunkId, rank } of list) scores.set(chunkId, (scores.get(chunkId) ?? 0) + weight / (RRF_K + rank + 1));
  };
  add(lexical, weights.bm25);
  add(semantic, weights.vector);
  const fused = [...scores].map(([chunkId, score]) => ({ chunkId, score: score * (1 + weights.quality * (quality(chunkId) - 0.5) * 2) }));
  return fused.sort((a, b) => b.score - a.score || a.chunkId - b.chunkId);
}
