/**
 * Hybrid search: the BM25 ranking of the full-text index and the cosine ranking of the vector
 * index, each filtered by visibility inside its own query, fused into one score and nudged by
 * the passages' vote-based quality.
 *
 * Fusion is a weighted sum of each leg's score divided by that leg's best score in this query.
 * Reciprocal rank fusion was measured first and lost to BM25 alone (MRR@10 0.745 vs 0.844 on
 * the Hub questions): it throws away how far BM25's first hit stands above its second, and the
 * built-in embedder's ranking is noisier than BM25's, so giving both ranks equal say pulls good
 * answers down. With scores, a passage that is strong in both legs still wins, and the vector
 * leg mostly decides between passages that BM25 scores alike. The vector weight (0.2) was tuned
 * on the odd-numbered questions of bench/kb-questions.tsv and checked on the even ones.
 *
 * With the built-in embedder, hybrid search rescores the full-text candidates with vectors
 * instead of scanning every vector (see `search`), and the full-text query walks a bounded number
 * of postings: together they keep a query near 20 ms at 100k passages, where the scan alone cost
 * over 50 ms, and the ranking got better, not worse (bench/README.md).
 *
 * A third leg, in hybrid mode only, ranks whole notes by BM25 and gives each candidate passage its
 * note's score: the right note often holds a question's words spread over its sections while no
 * single passage holds many of them.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { KbPassage, KbSearchFilters, KbSearchParams, Visibility } from '../../protocol/knowledge';
import { VISIBILITY_LEVELS } from '../../protocol/knowledge';
import { BuiltinEmbedder } from './embed/builtin';
import type { Embedder, EmbeddingMeter } from './embed/embedder';
import type { Feedback } from './feedback';
import { queryTerms, snippetOf } from './snippet';
import type { KnowledgeStore } from './store';
import { qualityScore } from './store';
import { stem } from './text';

export interface FusionWeights {
  bm25: number;
  vector: number;
  /** The whole note's BM25, given to its passages (hybrid mode only). */
  note: number;
  /** How far quality moves a score: 0.3 gives ×0.7 for the worst and ×1.3 for the best passage. */
  quality: number;
}

/**
 * The note weight (0.5) was tuned on the tune half of bench/kb-questions-own-words.tsv and checked
 * on its held-out half, the known-item questions and the man pages (bench/README.md).
 */
export const DEFAULT_WEIGHTS: FusionWeights = { bm25: 1, vector: 0.2, note: 0.5, quality: 0.3 };
/** How deep each leg looks before fusion. */
export const LEG_DEPTH = 50;
/**
 * The full-text leg ranks the index alone and filters afterwards, which spares a join per
 * matching row; it fetches this many times the depth so that filters leave enough behind, and
 * falls back to filtering inside the query when they do not.
 */
const BM25_OVERSAMPLE = 3;
/**
 * How many postings the full-text query may walk. BM25 scores every passage a query word occurs
 * in, so a word found in most passages ("obsidian" in a vault about Obsidian) costs a scan of the
 * index while adding almost nothing to the ranking (its IDF is near zero). The commonest words are
 * left out of the match until the rest fit this budget; they still count in the ranking through
 * the vector rescoring, whose query vector carries every word weighted by its rarity.
 */
export const POSTING_BUDGET = 20_000;
/**
 * The whole-note leg's posting budget, tighter: ranking the matching notes of the full budget's
 * words cost 2.5× the full-text leg's p95 at 100k passages, and the commonest words it leaves out
 * moved no figure of the kb bench (bench/README.md).
 */
export const NOTE_POSTING_BUDGET = 5_000;
/** How many full-text candidates the built-in embedder's vectors rescore. */
export const RESCORED = 200;
/**
 * Up to this many passages a dense embedder's vector leg scans every vector (about 16 ms at 20k);
 * above it, a compact copy of the vectors in memory answers (vectors.ts). The built-in
 * embedder's sparse vectors are always scanned exactly: their signs say little.
 */
const EXACT_SCAN_LIMIT = 20_000;
/** BM25 weights of the columns title (with aliases), heading, text, tags, correction. */
const COLUMN_WEIGHTS = '5.0, 2.0, 1.0, 2.0, 1.0';
/** BM25 weights of the whole-note index's columns: title (with aliases), headings, text. */
const NOTE_COLUMN_WEIGHTS = '5.0, 2.0, 1.0';

export type SearchMode = 'hybrid' | 'bm25' | 'vector';

export interface SearchOptions extends KbSearchParams {
  mode?: SearchMode;
  weights?: FusionWeights;
  signal?: AbortSignal;
  /** Told the tokens a provider that bills by the token read for the query. */
  meter?: EmbeddingMeter;
}

/** A passage as one leg scored it: higher is better, on that leg's own scale. */
export interface Scored {
  chunkId: number;
  score: number;
}

export class Searcher {
  private vocabulary: Statement | undefined;
  private frequencies: { newest: number; total: number; byStem: Map<string, number> } = { newest: -1, total: 0, byStem: new Map() };

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
    this.checkFrequencies();
    const mode = options.mode ?? 'hybrid';
    const filters = options.filters ?? {};
    const depth = Math.max(LEG_DEPTH, options.k ?? 10);
    // The built-in embedder is lexical: its vectors can only be near passages that share words
    // or word pieces with the query, which the full-text leg finds far faster than a scan of
    // every vector. So in hybrid mode its vectors rescore the full-text candidates; other
    // embedders (dense, semantic) search the whole vector index, approximately when it is large.
    const rescoring = mode === 'hybrid' && this.embedder instanceof BuiltinEmbedder;
    const weights = options.weights ?? DEFAULT_WEIGHTS;
    const match = this.matchExpression(terms, options.prefix === true);
    const lexical = mode === 'vector' ? [] : this.bm25(match, filters, rescoring ? Math.max(depth, RESCORED) : depth);
    const semantic =
      mode === 'bm25'
        ? []
        : rescoring
          ? this.rescore(options.query, lexical, filters, depth)
          : await this.nearest(options.query, filters, depth, options.signal, options.meter);
    const fusedLexical = rescoring ? lexical.slice(0, depth) : lexical;
    options.signal?.throwIfAborted();
    const notes =
      mode === 'hybrid' && weights.note > 0
        ? this.noteEvidence(this.matchExpression(terms, options.prefix === true, NOTE_POSTING_BUDGET), filters, depth, [...fusedLexical, ...semantic])
        : [];
    const quality = this.qualities([...fusedLexical, ...semantic, ...notes].map((hit) => hit.chunkId));
    const fused = fuse(fusedLexical, semantic, weights, (id) => quality.get(id) ?? qualityScore(0, 0), notes);
    return fused.slice(0, options.k ?? 10).map(({ chunkId, score }) => this.passage(chunkId, score, terms));
  }

  private bm25(match: string, filters: KbSearchFilters, depth: number): Scored[] {
    const fetched = Math.max(depth, Math.min(depth * BM25_OVERSAMPLE, 4 * depth + 200));
    const ranked = this.db
      .prepare(
        `SELECT rowid AS chunkId, -bm25(chunks_fts, ${COLUMN_WEIGHTS}) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, ${COLUMN_WEIGHTS}) LIMIT ?`,
      )
      .all(match, fetched) as Scored[];
    if (!hasFilters(filters)) return ranked.slice(0, depth);
    const kept = new Set(
      this.keepMatching(
        ranked.map((row) => row.chunkId),
        filters,
      ),
    );
    const survivors = ranked.filter((row) => kept.has(row.chunkId));
    if (survivors.length >= depth || ranked.length < fetched) return survivors.slice(0, depth);
    return this.bm25Filtered(match, filters, depth);
  }

  /** The query words as an FTS5 OR expression, the commonest left out while over the posting budget. */
  private matchExpression(terms: string[], prefix: boolean, budget = POSTING_BUDGET): string {
    const last = terms.at(-1);
    return withinPostingBudget(terms, (term) => (prefix && term === last ? 0 : this.documentFrequency(term)), budget)
      .map((term) => `"${term}"${prefix && term === last ? '*' : ''}`)
      .join(' OR ');
  }

  /** The full-text leg with the filters inside the query: slower, for filters that keep few passages. */
  private bm25Filtered(match: string, filters: KbSearchFilters, depth: number): Scored[] {
    const { sql, params } = filterSql(filters);
    return this.db
      .prepare(
        `SELECT f.rowid AS chunkId, -bm25(chunks_fts, ${COLUMN_WEIGHTS}) AS score FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id
         WHERE chunks_fts MATCH ? ${sql} ORDER BY bm25(chunks_fts, ${COLUMN_WEIGHTS}) LIMIT ?`,
      )
      .all(match, ...params, depth) as Scored[];
  }

  /**
   * The whole-note leg, as scores of passages: each candidate passage gets its note's BM25 over
   * the whole note (the module comment says why). Notes without a candidate passage bring none:
   * giving them their best passage changed no figure (bench/README.md).
   */
  private noteEvidence(match: string, filters: KbSearchFilters, depth: number, candidates: Scored[]): Scored[] {
    const ids = [...new Set(candidates.map((hit) => hit.chunkId))];
    if (ids.length === 0) return [];
    const notes = this.rankNotes(match, filters, depth);
    if (notes.size === 0) return [];
    const rows = this.db.prepare(`SELECT id, document_id AS documentId FROM chunks WHERE id IN (${ids.map(() => '?').join(', ')})`).all(...ids) as {
      id: number;
      documentId: number;
    }[];
    return rows.flatMap((row) => {
      const score = notes.get(row.documentId);
      return score === undefined ? [] : [{ chunkId: row.id, score }];
    });
  }

  /** The best notes by BM25 over their whole text, visibility and folder filters applied. */
  private rankNotes(match: string, filters: KbSearchFilters, depth: number): Map<number, number> {
    const { tag: _passageLevel, ...noteFilters } = filters;
    const { sql, params } = filterSql(noteFilters);
    const rows = this.db
      .prepare(
        `SELECT f.rowid AS documentId, -bm25(documents_fts, ${NOTE_COLUMN_WEIGHTS}) AS score FROM documents_fts f ${sql ? 'JOIN documents d ON d.id = f.rowid' : ''}
         WHERE documents_fts MATCH ? ${sql} ORDER BY bm25(documents_fts, ${NOTE_COLUMN_WEIGHTS}) LIMIT ?`,
      )
      .all(match, ...params, depth) as { documentId: number; score: number }[];
    return new Map(rows.map((row) => [row.documentId, row.score]));
  }

  /** The built-in embedder's cosine of the query and each full-text candidate, best first. */
  private rescore(query: string, candidates: Scored[], filters: KbSearchFilters, depth: number): Scored[] {
    if (!(this.embedder instanceof BuiltinEmbedder) || this.store.vectors.embedderId !== this.embedder.id) return [];
    const vector = this.embedder.embedWeightedQuery(query, this.idf());
    const vectors = this.store.vectors.vectorsOf(
      candidates.map((c) => c.chunkId),
      filters.visibility ?? [...VISIBILITY_LEVELS],
    );
    const scored: Scored[] = [];
    for (const [chunkId, stored] of vectors) {
      let dot = 0;
      for (let i = 0; i < stored.length; i++) dot += stored[i]! * vector[i]!;
      scored.push({ chunkId, score: dot });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, depth);
  }

  private async nearest(
    query: string,
    filters: KbSearchFilters,
    depth: number,
    signal: AbortSignal | undefined,
    meter: EmbeddingMeter | undefined,
  ): Promise<Scored[]> {
    if (this.store.vectors.embedderId !== this.embedder.id) return [];
    const vector = await this.queryVector(query, signal, meter);
    const visibilities = filters.visibility ?? [...VISIBILITY_LEVELS];
    // Tag and folder filters are applied after the KNN, so look deeper to keep enough survivors.
    const narrowed = Boolean(filters.tag || filters.folder);
    const hits = this.store.vectors.nearest(vector, narrowed ? depth * 8 : depth, visibilities, this.approximate());
    const kept = narrowed
      ? new Set(
          this.keepMatching(
            hits.map((hit) => hit.chunkId),
            filters,
          ),
        )
      : undefined;
    return hits
      .filter((hit) => !kept || kept.has(hit.chunkId))
      .slice(0, depth)
      .map((hit) => ({ chunkId: hit.chunkId, score: 1 - hit.distance }));
  }

  /** Whether the vector leg searches the compact copy: a dense embedder's large index. */
  private approximate(): boolean {
    return !(this.embedder instanceof BuiltinEmbedder) && this.frequencies.total > EXACT_SCAN_LIMIT;
  }

  /** Gets ready for fast searches of a large index of dense vectors: reads their compact copy, in the background. */
  async warmUp(): Promise<void> {
    this.checkFrequencies();
    if (this.approximate()) await this.store.vectors.loadCompact();
  }

  /** The built-in embedder weighs query words by their rarity in this knowledge base. */
  private async queryVector(query: string, signal: AbortSignal | undefined, meter: EmbeddingMeter | undefined): Promise<Float32Array> {
    if (this.embedder instanceof BuiltinEmbedder) return this.embedder.embedWeightedQuery(query, this.idf());
    if (this.embedder.embedQuery) return this.embedder.embedQuery(query, signal);
    const [vector] = await this.embedder.embed([query], signal, meter);
    return vector!;
  }

  /**
   * A stem's inverse document frequency over passages, read from the full-text index through an
   * fts5vocab table in the connection's temp schema (nothing is stored, nothing goes stale).
   */
  private idf(): (word: string) => number {
    const total = this.frequencies.total;
    return (word) => Math.log((total + 1) / (this.documentFrequency(word) + 0.5));
  }

  /**
   * In how many passages a word's stem occurs. Cached until the number of passages changes: the
   * fts5vocab lookup costs about half a millisecond a word, and a frequency a sync out of date
   * ranks the same.
   */
  private documentFrequency(word: string): number {
    const key = stem(word);
    let frequency = this.frequencies.byStem.get(key);
    if (frequency === undefined) {
      const vocabulary = (this.vocabulary ??= this.openVocabulary());
      frequency = (vocabulary.get(key) as number | undefined) ?? 0;
      this.frequencies.byStem.set(key, frequency);
    }
    return frequency;
  }

  /**
   * Once per search: the cached frequencies stay until passages are added. The newest passage
   * id is an index lookup, where counting 100k passages costs milliseconds; deletions alone leave
   * the counts a little high, which ranks the same.
   */
  private checkFrequencies(): void {
    const newest = (this.db.prepare('SELECT max(id) FROM chunks').pluck().get() as number | null) ?? 0;
    if (newest === this.frequencies.newest) return;
    const total = this.db.prepare('SELECT count(*) FROM chunks').pluck().get() as number;
    this.frequencies = { newest, total, byStem: new Map() };
  }

  private openVocabulary(): Statement {
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab('main', 'chunks_fts', 'row')");
    return this.db.prepare('SELECT doc FROM temp.chunks_vocab WHERE term = ?').pluck();
  }

  private keepMatching(chunkIds: number[], filters: KbSearchFilters): number[] {
    if (chunkIds.length === 0) return [];
    const { sql, params } = filterSql(filters);
    const marks = chunkIds.map(() => '?').join(', ');
    const rows = this.db
      .prepare(`SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (${marks}) ${sql}`)
      .pluck()
      .all(...chunkIds, ...params) as number[];
    const kept = new Set(rows);
    return chunkIds.filter((id) => kept.has(id));
  }

  /**
   * The vote-based quality of the passages that have votes, in one query for all candidates.
   * Only the votes given on a passage in its own note count (see feedback.ts).
   */
  private qualities(chunkIds: number[]): Map<number, number> {
    if (chunkIds.length === 0) return new Map();
    const marks = chunkIds.map(() => '?').join(', ');
    const sql = `SELECT c.id, sum(v.vote = 1) AS up, sum(v.vote = -1) AS down
                 FROM chunks c JOIN documents d ON d.id = c.document_id JOIN votes v ON v.path = d.path AND v.passage = c.passage
                 WHERE c.id IN (${marks}) GROUP BY c.id`;
    const rows = this.db.prepare(sql).all(...chunkIds) as { id: number; up: number; down: number }[];
    return new Map(rows.map((row) => [row.id, qualityScore(row.up, row.down)]));
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

function toPassage(feedback: Feedback, row: PassageRow, score: number, terms: string[]): KbPassage {
  const votes = feedback.votesOf(row.path, row.passage);
  const correction = feedback.correctionOf(row.path, row.passage);
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

function hasFilters(filters: KbSearchFilters): boolean {
  return Boolean(filters.visibility || filters.folder || filters.tag);
}

/**
 * The query words a full-text match walks the postings of, in the query's order: the rarest
 * first while their postings fit `budget`. The rarest word always stays, so a query of common
 * words still matches.
 */
export function withinPostingBudget(terms: readonly string[], postings: (term: string) => number, budget: number): string[] {
  const byFrequency = terms.map((term) => ({ term, postings: postings(term) })).sort((a, b) => a.postings - b.postings);
  let walked = 0;
  const kept = new Set(
    byFrequency
      .filter(({ postings: n }, i) => {
        walked += n;
        return i === 0 || walked <= budget;
      })
      .map(({ term }) => term),
  );
  return terms.filter((term) => kept.has(term));
}

/**
 * The fused ranking, best first: each leg's score divided by its best in this query, weighted
 * and summed, then times the quality prior.
 */
export function fuse(lexical: Scored[], semantic: Scored[], weights: FusionWeights, quality: (chunkId: number) => number, notes: Scored[] = []): Scored[] {
  const scores = new Map<number, number>();
  const add = (list: Scored[], weight: number) => {
    const best = Math.max(...list.map((hit) => hit.score));
    if (!(best > 0)) return;
    for (const { chunkId, score } of list) scores.set(chunkId, (scores.get(chunkId) ?? 0) + (weight * Math.max(0, score)) / best);
  };
  add(lexical, weights.bm25);
  add(semantic, weights.vector);
  add(notes, weights.note);
  const fused = [...scores].map(([chunkId, score]) => ({ chunkId, score: score * (1 + weights.quality * (quality(chunkId) - 0.5) * 2) }));
  return fused.sort((a, b) => b.score - a.score || a.chunkId - b.chunkId);
}
