/**
 * The passages' vectors in a sqlite-vec `vec0` table with cosine distance. Visibility and
 * quality are metadata columns, so the vector query itself filters by them and private passages
 * never take a place in a shared search's top k. The table's width is the embedder's, which is
 * why it is made here and not in a migration: a new embedder drops it and every passage is
 * embedded again.
 *
 * Large indexes of dense vectors are searched approximately (`nearest` with `approximate`), in a
 * compact copy of the vectors in memory (compactVectors.ts), read in slices in the background the
 * first time it is wanted; until it is ready the scan is exact.
 */
import type { Database } from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CompactVectors } from './compactVectors';
import type { Visibility } from './store';

export interface VectorHit {
  chunkId: number;
  distance: number;
}

/** sqlite-vec's cap on k in one KNN query. */
export const MAX_K = 4096;
/**
 * How many candidates the sign patterns give per passage wanted, at least and at most beyond k
 * (recall@10 0.885 against the exact scan with 400, on the kb bench's dense vectors).
 */
const OVERSAMPLE = 8;
const MIN_CANDIDATES = 400;
const MAX_EXTRA_CANDIDATES = 1000;
/** Passages read per slice while the compact copy loads, between which other work runs (about 40 ms each). */
const LOAD_SLICE = 2000;

interface VectorRow {
  chunkId: number;
  embedding: Float32Array;
  visibility: Visibility;
}

export class VectorIndex {
  /** The compact copy, while it loads and once it has. */
  private compact: CompactVectors | undefined;
  private compactReady = false;
  private loading: Promise<void> | undefined;

  constructor(private readonly db: Database) {}

  get embedderId(): string | undefined {
    return this.meta('embedder');
  }

  get dimensions(): number {
    return Number(this.meta('dimensions') ?? 0);
  }

  /**
   * Makes the table fit the embedder. Returns true when it was (re)created, meaning every
   * passage now needs a vector.
   */
  prepare(embedderId: string, dimensions: number): boolean {
    if (this.embedderId === embedderId && this.exists()) return false;
    if (!Number.isInteger(dimensions) || dimensions <= 0) throw new Error(`The embedder ${embedderId} reported an unusable dimension (${dimensions}).`);
    this.db.transaction(() => {
      this.db.exec('DROP TABLE IF EXISTS chunks_vec');
      this.db.exec(
        `CREATE VIRTUAL TABLE chunks_vec USING vec0 (chunk_id INTEGER PRIMARY KEY, embedding float[${dimensions}] distance_metric=cosine, visibility TEXT, quality FLOAT)`,
      );
      this.db.prepare('UPDATE chunks SET embedded_with = NULL').run();
      this.setMeta('embedder', embedderId);
      this.setMeta('dimensions', String(dimensions));
    })();
    this.compact = undefined;
    this.compactReady = false;
    this.loading = undefined;
    return true;
  }

  put(chunkId: number, vector: Float32Array, visibility: Visibility, quality: number): void {
    this.delete(chunkId);
    this.db.prepare('INSERT INTO chunks_vec (chunk_id, embedding, visibility, quality) VALUES (?, ?, ?, ?)').run(BigInt(chunkId), vector, visibility, quality);
    this.compact?.set(chunkId, vector, visibility);
  }

  delete(chunkId: number): void {
    if (this.exists()) this.db.prepare('DELETE FROM chunks_vec WHERE chunk_id = ?').run(BigInt(chunkId));
    this.compact?.delete(chunkId);
  }

  setVisibility(chunkIds: readonly number[], visibility: Visibility): void {
    if (!this.exists()) return;
    const update = this.db.prepare('UPDATE chunks_vec SET visibility = ? WHERE chunk_id = ?');
    for (const id of chunkIds) {
      update.run(visibility, BigInt(id));
      this.compact?.setVisibility(id, visibility);
    }
  }

  setQuality(chunkIds: readonly number[], quality: number): void {
    if (!this.exists()) return;
    const update = this.db.prepare('UPDATE chunks_vec SET quality = ? WHERE chunk_id = ?');
    for (const id of chunkIds) update.run(quality, BigInt(id));
  }

  /**
   * The k nearest passages among the given visibilities, nearest first. Exact by default; with
   * `approximate`, from the compact copy once it has loaded (this starts the loading).
   */
  nearest(query: Float32Array, k: number, visibilities: readonly Visibility[], approximate = false): VectorHit[] {
    if (!this.exists() || query.length !== this.dimensions || visibilities.length === 0) return [];
    if (approximate && this.compactReady) return this.nearestCompact(query, k, visibilities);
    // A load that fails (the database closed under it) is tried again by the next search.
    if (approximate) this.loadCompact().catch(() => undefined);
    const marks = visibilities.map(() => '?').join(', ');
    const sql = `SELECT chunk_id AS chunkId, distance FROM chunks_vec WHERE embedding MATCH ? AND k = ? AND visibility IN (${marks}) ORDER BY distance`;
    return this.db.prepare(sql).all(query, Math.min(k, MAX_K), ...visibilities) as VectorHit[];
  }

  /**
   * The stored vectors of these passages, among the given visibilities. One primary-key lookup
   * each: vec0 answers `chunk_id = ?` from its rowid index, but scans for `chunk_id IN (…)`.
   */
  vectorsOf(chunkIds: readonly number[], visibilities: readonly Visibility[]): Map<number, Float32Array> {
    if (!this.exists() || visibilities.length === 0) return new Map();
    return new Map(this.rows(chunkIds).flatMap((row) => (visibilities.includes(row.visibility) ? [[row.chunkId, row.embedding] as const] : [])));
  }

  /** Loads the compact copy of the vectors in slices, letting other work run between them; settles when it is ready. */
  loadCompact(): Promise<void> {
    if (this.compactReady) return Promise.resolve();
    return (this.loading ??= this.readCompact().finally(() => (this.loading = undefined)));
  }

  private async readCompact(): Promise<void> {
    const compact = new CompactVectors(this.dimensions);
    this.compact = compact;
    const ids = this.db.prepare('SELECT id FROM chunks WHERE id > ? ORDER BY id LIMIT ?').pluck();
    for (let after = 0; ;) {
      // The database closed, or an embedder change replaced the table (and this copy), meanwhile.
      if (!this.db.open || this.compact !== compact || !this.exists()) return;
      const slice = ids.all(after, LOAD_SLICE) as number[];
      if (slice.length === 0) break;
      for (const row of this.rows(slice)) compact.set(row.chunkId, row.embedding, row.visibility);
      after = slice.at(-1)!;
      await nextTurn();
    }
    if (this.compact === compact) this.compactReady = true;
  }

  /**
   * The compact copy's nearest passages, checked against the table: each one's float vector and
   * visibility are read back, so a passage gone or made private since is never returned, and the
   * distances are exact.
   */
  private nearestCompact(query: Float32Array, k: number, visibilities: readonly Visibility[]): VectorHit[] {
    const candidates = Math.max(MIN_CANDIDATES, Math.min(k * OVERSAMPLE, k + MAX_EXTRA_CANDIDATES));
    const found = this.compact!.nearest(query, k, candidates, visibilities);
    let queryNorm = 0;
    for (const value of query) queryNorm += value * value;
    const hits: VectorHit[] = [];
    for (const row of this.rows(found.map((hit) => hit.chunkId))) {
      if (!visibilities.includes(row.visibility)) continue;
      let dot = 0;
      let norm = 0;
      for (let i = 0; i < row.embedding.length; i++) {
        dot += row.embedding[i]! * query[i]!;
        norm += row.embedding[i]! * row.embedding[i]!;
      }
      hits.push({ chunkId: row.chunkId, distance: norm && queryNorm ? 1 - dot / Math.sqrt(norm * queryNorm) : 1 });
    }
    return hits.sort((a, b) => a.distance - b.distance);
  }

  /** These passages' rows of the vector table, one primary-key lookup each; absent ones are left out. */
  private rows(chunkIds: readonly number[]): VectorRow[] {
    const lookup = this.db.prepare('SELECT embedding, visibility FROM chunks_vec WHERE chunk_id = ?');
    const rows: VectorRow[] = [];
    for (const chunkId of chunkIds) {
      const row = lookup.get(BigInt(chunkId)) as { embedding: Buffer; visibility: Visibility } | undefined;
      if (row)
        rows.push({
          chunkId,
          embedding: new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4),
          visibility: row.visibility,
        });
    }
    return rows;
  }

  private exists(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunks_vec'").get() !== undefined;
  }

  private meta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(`vectors.${key}`) as { value: string } | undefined;
    return row?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(`vectors.${key}`, value);
  }
}
