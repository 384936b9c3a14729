/**
 * The passages' vectors in a sqlite-vec `vec0` table with cosine distance. Visibility and
 * quality are metadata columns, so the vector query itself filters by them and private passages
 * never take a place in a shared search's top k. The table's width is the embedder's, which is
 * why it is made here and not in a migration: a new embedder drops it and every passage is
 * embedded again.
 */
import type { Database } from 'better-sqlite3';
import type { Visibility } from './store';

export interface VectorHit {
  chunkId: number;
  distance: number;
}

/** sqlite-vec's cap on k in one KNN query. */
export const MAX_K = 4096;

export class VectorIndex {
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
    return true;
  }

  put(chunkId: number, vector: Float32Array, visibility: Visibility, quality: number): void {
    this.delete(chunkId);
    this.db.prepare('INSERT INTO chunks_vec (chunk_id, embedding, visibility, quality) VALUES (?, ?, ?, ?)').run(BigInt(chunkId), vector, visibility, quality);
  }

  delete(chunkId: number): void {
    if (this.exists()) this.db.prepare('DELETE FROM chunks_vec WHERE chunk_id = ?').run(BigInt(chunkId));
  }

  setVisibility(chunkIds: readonly number[], visibility: Visibility): void {
    if (!this.exists()) return;
    const update = this.db.prepare('UPDATE chunks_vec SET visibility = ? WHERE chunk_id = ?');
    for (const id of chunkIds) update.run(visibility, BigInt(id));
  }

  setQuality(chunkIds: readonly number[], quality: number): void {
    if (!this.exists()) return;
    const update = this.db.prepare('UPDATE chunks_vec SET quality = ? WHERE chunk_id = ?');
    for (const id of chunkIds) update.run(quality, BigInt(id));
  }

  /** The k nearest passages among the given visibilities, nearest first. */
  nearest(query: Float32Array, k: number, visibilities: readonly Visibility[]): VectorHit[] {
    if (!this.exists() || query.length !== this.dimensions || visibilities.length === 0) return [];
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
    const lookup = this.db.prepare('SELECT embedding, visibility FROM chunks_vec WHERE chunk_id = ?');
    const vectors = new Map<number, Float32Array>();
    for (const chunkId of chunkIds) {
      const row = lookup.get(BigInt(chunkId)) as { embedding: Buffer; visibility: Visibility } | undefined;
      if (row && visibilities.includes(row.visibility))
        vectors.set(chunkId, new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4));
    }
    return vectors;
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
