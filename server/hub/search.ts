/**
 * The hub's hybrid search, the local knowledge base's (server/knowledge/search.ts) in PostgreSQL:
 * a full-text leg and a vector leg, fused by the same weighted sum of each leg's scores over its
 * best, times the same vote-based quality prior. Each leg names the team and the visibility rule
 * in its own query (and row-level security holds it to them anyway), so a private passage never
 * takes a place in another user's top k.
 *
 * The full-text leg is PostgreSQL's: `tsvector` columns weighted like the local index's (title,
 * then headings and tags, then correction and text) and `ts_rank` per query word, weighted by the
 * word's inverse document frequency among the passages this user can see, so a rare word counts
 * for more than a common one as in BM25.
 *
 * The vector leg uses the built-in embedder with the same rarity weighting of the query. With
 * pgvector, it is a nearest-neighbour query over the HNSW index (with pgvector's iterative scan,
 * so the team filter still leaves k rows); without it, the full-text candidates are rescored with
 * the vectors stored as arrays, as the local store does for the built-in embedder.
 */
import type { PoolClient } from 'pg';
import type { BuiltinEmbedder } from '../knowledge/embed/builtin';
import { words } from '../knowledge/embed/builtin';
import { DEFAULT_WEIGHTS, fuse, type Scored } from '../knowledge/search';
import { queryTerms, snippetOf } from '../knowledge/snippet';
import { qualityScore } from '../knowledge/store';
import { stem } from '../knowledge/text';
import type { HubDatabase, Identity } from './database';
import type { HubVisibility } from './documents';
import type { VectorMode } from './schema';

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

/** How deep each leg looks before fusion, and how many full-text candidates the arrays rescore: the local search's figures. */
const LEG_DEPTH = 50;
const RESCORED = 200;
/** ts_rank's weights of the D (text), C (correction), B (headings, tags) and A (title) labels: the local index's 1, 1, 2, 5. */
const LABEL_WEIGHTS = '{0.2, 0.2, 0.4, 1.0}';
/** Words in a larger share of the passages a user can see are scored but not matched on (matchedTerms). */
const COMMON_SHARE = 0.05;
/** ...as long as that is this many passages at least: in a small team every word is ranked. */
const PRUNED_FROM = 2_000;
/** How many candidates the HNSW scan keeps while it looks (pgvector's default is 40). */
const EF_SEARCH = 100;

/** The visibility rule of the legs' queries, on `c` (hub_chunks), with the team as $2 and the user as $3. */
const VISIBLE = "c.team_id = $2 AND (c.visibility = 'shared' OR c.owner_id = $3)";

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
        const rarity = await this.rarity(client, who, [...terms, ...words(params.query)]);
        const depth = Math.max(LEG_DEPTH, params.k);
        const lexical = await this.fullText(client, who, terms, rarity, params.category, this.vectors.kind === 'arrays' ? Math.max(depth, RESCORED) : depth);
        const query = this.embedder.embedWeightedQuery(params.query, rarity.idf);
        const semantic =
          this.vectors.kind === 'arrays'
            ? await this.rescore(client, who, query, lexical, depth)
            : await this.nearest(client, who, query, params.category, depth);
        const fusedLexical = lexical.slice(0, depth);
        const quality = await qualities(
          client,
          [...fusedLexical, ...semantic].map((hit) => hit.chunkId),
        );
        const fused = fuse(fusedLexical, semantic, DEFAULT_WEIGHTS, (id) => quality.get(id) ?? qualityScore(0, 0)).slice(0, params.k);
        return passages(client, who, fused, terms);
      },
      { extraSettings: settings },
    );
  }

  private scanSettings(): string {
    const iterative = this.vectors.kind === 'pgvector' && this.vectors.iterativeScan ? 'SET LOCAL hnsw.iterative_scan = relaxed_order; ' : '';
    return `${iterative}SET LOCAL hnsw.ef_search = ${EF_SEARCH};`;
  }

  /**
   * Each word's inverse document frequency by its stem, over the passages this user can see,
   * as the local search computes it: log((N + 1) / (df + 0.5)). N and df come from the counts the
   * triggers keep per user and visibility (a few rows each), not from counting the team's corpus.
   */
  private async rarity(client: PoolClient, who: Identity, queryWords: string[]): Promise<Rarity> {
    const stems = [...new Set(queryWords.map(stem))];
    const { rows } = await client.query<{ stem: string; df: number; total: number }>(
      `SELECT s.stem, (SELECT coalesce(sum(c.passages), 0) FROM hub_stem_counts c WHERE c.stem = s.stem AND ${VISIBLE})::int AS df,
              (SELECT coalesce(sum(c.passages), 0) FROM hub_passage_counts c WHERE ${VISIBLE})::int AS total
       FROM unnest($1::text[]) AS s(stem)`,
      [stems, who.teamId, who.userId],
    );
    const total = rows[0]?.total ?? 0;
    const frequency = new Map(rows.map((row) => [row.stem, row.df]));
    return rarityOf(total, frequency);
  }

  /**
   * The passages matching any of the query's uncommon words, scored by the sum of each of those
   * words' ts_rank times its rarity. The matches come through the full-text index
   * (hub_text_matches, schema.ts); each candidate's tsvector is read out of storage once
   * (`|| ''`), not once per word.
   */
  private async fullText(client: PoolClient, who: Identity, terms: string[], rarity: Rarity, category: string | undefined, limit: number): Promise<Scored[]> {
    const matched = matchedTerms(terms, rarity);
    const weights = matched.map((term) => Math.max(0.1, rarity.idf(stem(term))));
    const { rows } = await client.query<Scored>(
      `WITH words AS (SELECT to_tsquery('english', w.term) AS q, w.weight FROM unnest($1::text[], $4::float8[]) AS w(term, weight))
       SELECT c.id AS "chunkId", (SELECT sum(ts_rank('${LABEL_WEIGHTS}', c.tsv, words.q, 1) * words.weight) FROM words)::float8 AS score
       FROM (SELECT c.id, c.tsv || ''::tsvector AS tsv FROM hub_chunks c
             WHERE c.id IN (SELECT hub_text_matches(to_tsquery('english', $5), $6::text)) AND ${VISIBLE} OFFSET 0) c
       ORDER BY score DESC, c.id LIMIT $7`,
      [matched, who.teamId, who.userId, weights, matched.join(' | '), category ?? null, limit],
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

/** The rarity of each stem among `total` passages, `frequency` holding the passages that have it. */
export function rarityOf(total: number, frequency: ReadonlyMap<string, number>): Rarity {
  const df = (word: string) => frequency.get(word) ?? 0;
  return { idf: (word) => Math.log((total + 1) / (df(word) + 0.5)), common: (word) => df(word) > Math.max(PRUNED_FROM, COMMON_SHARE * total) };
}

export interface Rarity {
  /** The stem's inverse document frequency among the passages the user can see. */
  idf(stem: string): number;
  /** Whether so many of those passages hold the stem that it is not matched on (matchedTerms). */
  common(stem: string): boolean;
}

/**
 * The words a passage must hold one of to be a full-text candidate. A word in more than
 * COMMON_SHARE of the passages (and more than PRUNED_FROM of them) adds little to any score (its rarity is low) but would have every
 * one of those passages ranked, tens of thousands in a large team: as search engines prune common
 * terms, it is left out of the match and the full-text score (the vector leg still weighs it),
 * unless the query has no other word, in which case its rarest words are matched.
 */
export function matchedTerms(terms: string[], rarity: Rarity): string[] {
  const uncommon = terms.filter((term) => !rarity.common(stem(term)));
  if (uncommon.length > 0) return uncommon;
  const rarest = Math.max(...terms.map((term) => rarity.idf(stem(term))));
  return terms.filter((term) => rarity.idf(stem(term)) === rarest);
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
