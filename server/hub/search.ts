/**
 * The hub's hybrid search, the local knowledge base's (server/knowledge/search.ts) in PostgreSQL:
 * a full-text leg, a vector leg and a whole-note leg, fused by the same weighted sum of each leg's
 * scores over its best, times the same vote-based quality prior. Each leg names the team and the
 * visibility rule in its own query (and row-level security holds it to them anyway), so a private
 * passage never takes a place in another user's top k.
 *
 * The full-text leg is BM25 as FTS5 computes it, with the local index's column weights (title 5,
 * headings and tags 2, correction and text 1): the weighted word frequencies and lengths are
 * what ranking.ts keeps of each passage, the averages and document frequencies what the triggers
 * keep per user and visibility. The words matched on are the local search's: the rarest first,
 * while their passages fit its posting budget.
 *
 * The vector leg uses the built-in embedder with the same rarity weighting of the query. With
 * pgvector, it is a nearest-neighbour query over the HNSW index (with pgvector's iterative scan,
 * so the team filter still leaves k rows); without it, the full-text candidates are rescored with
 * the vectors stored as arrays, as the local store does for the built-in embedder.
 *
 * The whole-note leg gives each candidate passage its note's BM25 over the whole note, as the
 * local search does. Two differences: only the candidates' own notes are ranked (the local store
 * ranks every matching note, then keeps the candidates'), and a word's rarity is its passages',
 * not its notes'.
 */
import type { PoolClient } from 'pg';
import type { BuiltinEmbedder } from '../knowledge/embed/builtin';
import { words } from '../knowledge/embed/builtin';
import { DEFAULT_WEIGHTS, fuse, LEG_DEPTH, NOTE_POSTING_BUDGET, POSTING_BUDGET, RESCORED, withinPostingBudget, type Scored } from '../knowledge/search';
import { queryTerms, snippetOf } from '../knowledge/snippet';
import { qualityScore } from '../knowledge/store';
import { stem } from '../knowledge/text';
import type { HubDatabase, Identity } from './database';
import type { HubVisibility } from './documents';
import { BM25_B, BM25_K1 } from './ranking';
import type { VectorMode } from './vectors';

export interface HubSearchParams {
  query: string;
  category?: string;
  k: number;
}

export interface HubPassage {
  chunkId: number;
  documentId: number;
  path: string;
  title: string;
  heading: string;
  headingPath: string[];
  line: number;
  snippet: string;
  highlights: [number, number][];
  tags: string[];
  category: string | null;
  visibility: HubVisibility;
  score: number;
  quality: number;
  votes: { up: number; down: number };
  /** The newest correction, beside the original text the snippet shows. */
  correction?: { text: string; version: number };
  /** The contributor's name when they chose to be credited (always for one's own); null: anonymous. */
  contributor: string | null;
  mine: boolean;
}

/** How many candidates the HNSW scan keeps while it looks (pgvector's default is 40). */
const EF_SEARCH = 100;

/** The visibility rule of the legs' queries, on `c` (hub_chunks), with the team as $2 and the user as $3. */
const VISIBLE = "c.team_id = $2 AND (c.visibility = 'shared' OR c.owner_id = $3)";

/**
 * BM25 of the rows of `scored` (with `id`, `frequencies` and `length`, ranking.ts) for the query
 * words of `q` (each lexeme with its inverse document frequency), `avg` being the average length:
 * FTS5's formula, a word's frequency counted with the weight of each column it occurs in.
 */
const bm25Of = (scored: string, avg: string) => `
  SELECT ${scored}.id, sum(q.idf * (t.tf * ${BM25_K1 + 1}) / (t.tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * ${scored}.length / ${avg})))::float8 AS score
  FROM ${scored} CROSS JOIN q CROSS JOIN LATERAL (SELECT (${scored}.frequencies ->> q.lexeme)::float8 AS tf) t
  WHERE t.tf IS NOT NULL
  GROUP BY ${scored}.id`;

/** The query words as PostgreSQL's lexemes, each with its weight ($1 the words, $4 the weights). */
const QUERY_LEXEMES = `q AS (SELECT l.lexeme, w.idf FROM unnest($1::text[], $4::float8[]) AS w(term, idf)
  CROSS JOIN LATERAL unnest(to_tsvector('english'::regconfig, w.term)) AS l)`;

export class HubSearcher {
  constructor(
    private readonly db: HubDatabase,
    private readonly embedder: BuiltinEmbedder,
    private readonly vectors: VectorMode,
  ) {}

  async search(who: Identity, params: HubSearchParams): Promise<HubPassage[]> {
    const terms = queryTerms(params.query);
    if (terms.length === 0) return [];
    const settings = this.vectors.kind === 'pgvector' ? this.scanSettings() : '';
    return this.db.asUser(
      who,
      async (client) => {
        const corpus = await readCorpus(client, who, [...terms, ...words(params.query)]);
        const postings = (term: string) => corpus.passagesWith(stem(term));
        const depth = Math.max(LEG_DEPTH, params.k);
        const matched = withinPostingBudget(terms, postings, POSTING_BUDGET);
        const lexical = await rankFullText(client, who, matched, corpus, params.category, this.vectors.kind === 'arrays' ? Math.max(depth, RESCORED) : depth);
        const query = this.embedder.embedWeightedQuery(params.query, (word) => corpus.idf(word));
        const semantic =
          this.vectors.kind === 'arrays'
            ? await this.rescore(client, who, query, lexical, depth)
            : await this.nearest(client, who, query, params.category, depth);
        const fusedLexical = lexical.slice(0, depth);
        const notes = await this.noteEvidence(client, who, withinPostingBudget(terms, postings, NOTE_POSTING_BUDGET), corpus, depth, [
          ...fusedLexical,
          ...semantic,
        ]);
        const quality = await qualities(
          client,
          [...fusedLexical, ...semantic, ...notes].map((hit) => hit.chunkId),
        );
        const fused = fuse(fusedLexical, semantic, DEFAULT_WEIGHTS, (id) => quality.get(id) ?? qualityScore(0, 0), notes).slice(0, params.k);
        return passages(client, who, fused, terms);
      },
      { extraSettings: settings },
    );
  }

  private scanSettings(): string {
    const iterative = this.vectors.kind === 'pgvector' && this.vectors.iterativeScan ? 'SET LOCAL hnsw.iterative_scan = relaxed_order; ' : '';
    return `${iterative}SET LOCAL hnsw.ef_search = ${EF_SEARCH};`;
  }

  /** Each candidate passage's note's BM25 over the whole note, for the best `depth` of those notes. */
  private async noteEvidence(client: PoolClient, who: Identity, matched: string[], corpus: Corpus, depth: number, candidates: Scored[]): Promise<Scored[]> {
    const ids = [...new Set(candidates.map((hit) => hit.chunkId))];
    if (ids.length === 0) return [];
    const { rows } = await client.query<Scored>(
      `WITH ${QUERY_LEXEMES},
       notes AS (SELECT d.id, d.frequencies, d.length FROM hub_documents d
                 WHERE d.id IN (SELECT c.document_id FROM hub_chunks c WHERE c.id = ANY($5::bigint[]) AND ${VISIBLE})
                   AND d.team_id = $2 AND (d.visibility = 'shared' OR d.owner_id = $3)),
       scored AS (${bm25Of('notes', '$6::float8')} ORDER BY score DESC, notes.id LIMIT $7)
       SELECT c.id AS "chunkId", scored.score FROM hub_chunks c JOIN scored ON scored.id = c.document_id WHERE c.id = ANY($5::bigint[])`,
      [matched, who.teamId, who.userId, matched.map((term) => corpus.bm25Idf(stem(term))), ids, corpus.averageNote, depth],
    );
    return rows;
  }

  /** The full-text candidates' cosine with the query (stored vectors are unit length), best first. */
  private async rescore(client: PoolClient, who: Identity, query: Float32Array, candidates: Scored[], depth: number): Promise<Scored[]> {
    if (candidates.length === 0) return [];
    const { rows } = await client.query<Scored>(
      `SELECT c.id AS "chunkId", (SELECT sum(a * b) FROM unnest(c.embedding, $4::real[]) AS v(a, b))::float8 AS score
       FROM hub_chunks c WHERE c.id = ANY($1::bigint[]) AND ${VISIBLE}
       ORDER BY score DESC, c.id LIMIT $5`,
      [candidates.map((hit) => hit.chunkId), who.teamId, who.userId, Array.from(query), depth],
    );
    return rows;
  }

  /** The nearest passages by cosine over the HNSW index, among those this user can see. */
  private async nearest(client: PoolClient, who: Identity, query: Float32Array, category: string | undefined, depth: number): Promise<Scored[]> {
    const { rows } = await client.query<Scored>(
      `SELECT c.id AS "chunkId", (1 - (c.embedding_v <=> $1::vector))::float8 AS score
       FROM hub_chunks c WHERE ${VISIBLE} AND ($4::text IS NULL OR c.category = $4)
       ORDER BY c.embedding_v <=> $1::vector LIMIT $5`,
      [`[${Array.from(query).join(',')}]`, who.teamId, who.userId, category ?? null, depth],
    );
    return rows;
  }
}

/**
 * The passages and notes this user can see, their average lengths, and in how many of those
 * passages each query word's stem occurs: from the counts the triggers keep per user and
 * visibility (a few rows each), not from counting the team's corpus.
 */
export async function readCorpus(client: PoolClient, who: Identity, queryWords: string[]): Promise<Corpus> {
  const stems = [...new Set(queryWords.map(stem))];
  const sum = (table: string, column: string) => `(SELECT coalesce(sum(c.${column}), 0) FROM ${table} c WHERE ${VISIBLE})::float8`;
  const { rows } = await client.query<CorpusSizes & { stem: string; df: number }>(
    `SELECT s.stem, (SELECT coalesce(sum(c.passages), 0) FROM hub_stem_counts c WHERE c.stem = s.stem AND ${VISIBLE})::int AS df,
            ${sum('hub_passage_counts', 'passages')} AS passages, ${sum('hub_passage_counts', 'words')} AS "passageWords",
            ${sum('hub_note_counts', 'notes')} AS notes, ${sum('hub_note_counts', 'words')} AS "noteWords"
     FROM unnest($1::text[]) AS s(stem)`,
    [stems, who.teamId, who.userId],
  );
  return corpusOf(rows[0]!, new Map(rows.map((row) => [row.stem, row.df])));
}

/**
 * The passages matching any of `matched`, by BM25. The matches come through the full-text
 * index (hub_text_matches, schema.ts), and each candidate's frequencies are looked up for the
 * query's words only.
 */
export async function rankFullText(
  client: PoolClient,
  who: Identity,
  matched: string[],
  corpus: Corpus,
  category: string | undefined,
  limit: number,
): Promise<Scored[]> {
  const { rows } = await client.query<{ id: number; score: number }>(
    `WITH ${QUERY_LEXEMES},
     candidates AS (SELECT c.id, c.frequencies, c.length FROM hub_chunks c
                    WHERE c.id IN (SELECT hub_text_matches(to_tsquery('english', $5), $6::text)) AND ${VISIBLE} OFFSET 0),
     scored AS (${bm25Of('candidates', '$7::float8')})
     SELECT id, score FROM scored ORDER BY score DESC, id LIMIT $8`,
    [matched, who.teamId, who.userId, matched.map((term) => corpus.bm25Idf(stem(term))), matched.join(' | '), category ?? null, corpus.averagePassage, limit],
  );
  return rows.map((row) => ({ chunkId: row.id, score: row.score }));
}

interface CorpusSizes {
  passages: number;
  passageWords: number;
  notes: number;
  noteWords: number;
}

/** What a search knows of the corpus the user can see. */
export interface Corpus {
  averagePassage: number;
  averageNote: number;
  /** In how many of the passages the stem occurs. */
  passagesWith(stem: string): number;
  /** The stem's rarity as the built-in embedder weighs the query by it: log((N + 1) / (df + 0.5)). */
  idf(stem: string): number;
  /** The stem's inverse document frequency as FTS5's BM25 computes it: log((N - df + 0.5) / (df + 0.5)), at least 1e-6. */
  bm25Idf(stem: string): number;
}

export function corpusOf(sizes: CorpusSizes, frequency: ReadonlyMap<string, number>): Corpus {
  const total = sizes.passages;
  const df = (word: string) => frequency.get(word) ?? 0;
  return {
    averagePassage: Math.max(1, sizes.passageWords / Math.max(1, total)),
    averageNote: Math.max(1, sizes.noteWords / Math.max(1, sizes.notes)),
    passagesWith: df,
    idf: (word) => Math.log((total + 1) / (df(word) + 0.5)),
    bm25Idf: (word) => Math.max(1e-6, Math.log((total - df(word) + 0.5) / (df(word) + 0.5))),
  };
}

/** The vote-based quality of the candidates that have votes, in one query. */
async function qualities(client: PoolClient, chunkIds: number[]): Promise<Map<number, number>> {
  if (chunkIds.length === 0) return new Map();
  const { rows } = await client.query<{ id: number; up: number; down: number }>(
    `SELECT c.id, count(*) FILTER (WHERE v.vote = 1)::int AS up, count(*) FILTER (WHERE v.vote = -1)::int AS down
     FROM hub_chunks c JOIN hub_votes v ON v.document_id = c.document_id AND v.passage = c.passage
     WHERE c.id = ANY($1::bigint[]) GROUP BY c.id`,
    [[...new Set(chunkIds)]],
  );
  return new Map(rows.map((row) => [row.id, qualityScore(row.up, row.down)]));
}

interface PassageRow {
  id: number;
  document_id: number;
  path: string;
  title: string;
  heading_path: string[];
  line: number;
  text: string;
  tags: string[];
  extra_tags: string;
  category: string | null;
  visibility: HubVisibility;
  owner_id: number;
  owner_name: string;
  credit: boolean;
  up: number;
  down: number;
  correction_text: string | null;
  correction_version: number | null;
}

async function passages(client: PoolClient, who: Identity, ranked: Scored[], terms: string[]): Promise<HubPassage[]> {
  if (ranked.length === 0) return [];
  const { rows } = await client.query<PassageRow>(
    `SELECT c.id, c.document_id, d.path, d.title, c.heading_path, c.line, c.text, c.tags, c.extra_tags, c.category, c.visibility,
            c.owner_id, u.name AS owner_name, u.credit,
            (SELECT count(*) FROM hub_votes v WHERE v.document_id = c.document_id AND v.passage = c.passage AND v.vote = 1)::int AS up,
            (SELECT count(*) FROM hub_votes v WHERE v.document_id = c.document_id AND v.passage = c.passage AND v.vote = -1)::int AS down,
            k.text AS correction_text, k.version AS correction_version
     FROM hub_chunks c JOIN hub_documents d ON d.id = c.document_id JOIN hub_users u ON u.id = c.owner_id
     LEFT JOIN LATERAL (SELECT text, version FROM hub_corrections k WHERE k.document_id = c.document_id AND k.passage = c.passage
                        ORDER BY version DESC LIMIT 1) k ON true
     WHERE c.id = ANY($1::bigint[]) AND ${VISIBLE}`,
    [ranked.map((hit) => hit.chunkId), who.teamId, who.userId],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ranked.flatMap(({ chunkId, score }) => {
    const row = byId.get(chunkId);
    return row ? [toPassage(row, score, terms, who)] : [];
  });
}

function toPassage(row: PassageRow, score: number, terms: string[], who: Identity): HubPassage {
  const mine = row.owner_id === who.userId;
  const { snippet, highlights } = snippetOf(row.text, terms);
  return {
    chunkId: row.id,
    documentId: row.document_id,
    path: row.path,
    title: row.title,
    heading: row.heading_path.length > 1 ? row.heading_path.at(-1)! : '',
    headingPath: row.heading_path,
    line: row.line,
    snippet,
    highlights,
    tags: [...new Set([...row.tags, ...row.extra_tags.split(' ').filter(Boolean)])],
    category: row.category,
    visibility: row.visibility,
    score,
    quality: qualityScore(row.up, row.down),
    votes: { up: row.up, down: row.down },
    ...(row.correction_text !== null ? { correction: { text: row.correction_text, version: row.correction_version! } } : {}),
    contributor: mine || row.credit ? row.owner_name : null,
    mine,
  };
}
