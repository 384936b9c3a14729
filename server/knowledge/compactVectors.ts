/**
 * A compact in-memory copy of dense vectors, for searching large knowledge bases quickly: each
 * vector's signs, packed 32 to a word, pick candidates, and its components as 8-bit codes with
 * one scale per vector rank them. At 384 dimensions a passage costs 48 + 384 bytes (43 MB at 100k
 * passages, 4 MB at 10k).
 *
 * Two unit vectors differ in a fraction of their signs that grows with the angle between them
 * (angle / π for directions spread evenly), so the passages whose sign patterns are nearest the
 * query's hold its nearest vectors with high probability; the 8-bit codes then give their cosine
 * to within about 1%. Scanning 100k sign patterns takes about 4 ms in JavaScript, where
 * sqlite-vec's exact scan of the float vectors takes 80 ms and its own bit KNN grows with k
 * (30 ms for the 200 nearest); reading 400 candidates' float vectors back by primary key would
 * cost 8 ms more (bench/README.md).
 *
 * The copy mirrors the vector table's writes as they are made. A transaction that rolls back
 * afterwards can leave it out of step, which costs recall and never correctness: the vector table
 * checks every passage returned (vectors.ts).
 */
import type { Visibility } from './store';

const VISIBILITY_CODES: Readonly<Record<Visibility, number>> = { private: 0, shared: 1, public: 2 };
const INITIAL_CAPACITY = 1024;

/** Set bits of every 16-bit number: two lookups count a word's bits faster than bit arithmetic does here. */
const BITS_SET = new Uint8Array(1 << 16);
for (let i = 1; i < BITS_SET.length; i++) BITS_SET[i] = (i & 1) + BITS_SET[i >>> 1]!;

function popcount(x: number): number {
  return BITS_SET[x & 0xffff]! + BITS_SET[x >>> 16]!;
}

export interface CompactHit {
  chunkId: number;
  /** The cosine from the 8-bit codes. */
  similarity: number;
}

export class CompactVectors {
  readonly #words: number;
  #signs = new Uint32Array(0);
  #codes = new Int8Array(0);
  /** Per vector: the factor that turns its codes back into unit-vector components. */
  #scales = new Float32Array(0);
  #ids = new Float64Array(0);
  #visibility = new Uint8Array(0);
  #count = 0;
  /** Chunk id → its slot. */
  readonly #slots = new Map<number, number>();
  /** The scan's per-slot distances, kept between searches. */
  #distances = new Uint16Array(0);

  constructor(readonly dimensions: number) {
    this.#words = Math.ceil(dimensions / 32);
    this.#grow(INITIAL_CAPACITY);
  }

  get size(): number {
    return this.#count;
  }

  /** Adds a passage's vector, or replaces it. */
  set(chunkId: number, vector: Float32Array, visibility: Visibility): void {
    let slot = this.#slots.get(chunkId);
    if (slot === undefined) {
      if (this.#count === this.#ids.length) this.#grow(this.#count * 2);
      slot = this.#count++;
      this.#slots.set(chunkId, slot);
      this.#ids[slot] = chunkId;
    }
    this.#packSigns(vector, this.#signs, slot * this.#words);
    const dims = this.dimensions;
    let largest = 0;
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const value = vector[d] ?? 0;
      largest = Math.max(largest, Math.abs(value));
      norm += value * value;
    }
    // Codes span ±127 of the largest component; the scale also divides out the vector's length.
    const step = largest / 127 || 1;
    const offset = slot * dims;
    for (let d = 0; d < dims; d++) this.#codes[offset + d] = Math.round((vector[d] ?? 0) / step);
    this.#scales[slot] = norm ? step / Math.sqrt(norm) : 0;
    this.#visibility[slot] = VISIBILITY_CODES[visibility];
  }

  delete(chunkId: number): void {
    const slot = this.#slots.get(chunkId);
    if (slot === undefined) return;
    // The last passage moves into the freed slot.
    const last = --this.#count;
    this.#slots.delete(chunkId);
    if (slot === last) return;
    const moved = this.#ids[last]!;
    this.#ids[slot] = moved;
    this.#visibility[slot] = this.#visibility[last]!;
    this.#scales[slot] = this.#scales[last]!;
    this.#signs.copyWithin(slot * this.#words, last * this.#words, (last + 1) * this.#words);
    this.#codes.copyWithin(slot * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
    this.#slots.set(moved, slot);
  }

  setVisibility(chunkId: number, visibility: Visibility): void {
    const slot = this.#slots.get(chunkId);
    if (slot !== undefined) this.#visibility[slot] = VISIBILITY_CODES[visibility];
  }

  /**
   * The k most similar passages among the visibilities, most similar first: the `candidates`
   * whose signs differ least from the query's (ties at the boundary included), ranked by the
   * cosine of their 8-bit codes.
   */
  nearest(query: Float32Array, k: number, candidates: number, visibilities: readonly Visibility[]): CompactHit[] {
    const slots = this.#candidateSlots(query, candidates, visibilities);
    const dims = this.dimensions;
    let queryNorm = 0;
    for (let d = 0; d < dims; d++) queryNorm += (query[d] ?? 0) ** 2;
    const inverseNorm = queryNorm ? 1 / Math.sqrt(queryNorm) : 0;
    const codes = this.#codes;
    const hits: CompactHit[] = slots.map((slot) => {
      let dot = 0;
      for (let d = 0, offset = slot * dims; d < dims; d++) dot += codes[offset + d]! * query[d]!;
      return { chunkId: this.#ids[slot]!, similarity: dot * this.#scales[slot]! * inverseNorm };
    });
    return hits.sort((a, b) => b.similarity - a.similarity).slice(0, k);
  }

  /** The slots of the n allowed passages whose signs differ least from the query's, ties at the boundary included. */
  #candidateSlots(query: Float32Array, n: number, visibilities: readonly Visibility[]): number[] {
    const words = this.#words;
    const packed = this.#packSigns(query, new Uint32Array(words), 0);
    const allowed = new Uint8Array(3);
    for (const visibility of visibilities) allowed[VISIBILITY_CODES[visibility]] = 1;
    if (this.#distances.length < this.#count) this.#distances = new Uint16Array(this.#ids.length);
    // Locals, not fields, in the loops: this scan is the search's hot path.
    const distances = this.#distances;
    const signs = this.#signs;
    const visibility = this.#visibility;
    const count = this.#count;
    const histogram = new Uint32Array(words * 32 + 2);
    const excluded = histogram.length - 1;
    for (let slot = 0, offset = 0; slot < count; slot++, offset += words) {
      if (!allowed[visibility[slot]!]) {
        distances[slot] = excluded;
        continue;
      }
      let distance = 0;
      for (let w = 0; w < words; w++) distance += popcount(signs[offset + w]! ^ packed[w]!);
      distances[slot] = distance;
      histogram[distance]!++;
    }
    // The smallest distance that keeps at least n passages, from the counts per distance.
    let cutoff = 0;
    for (let kept = 0; cutoff < excluded - 1 && kept + histogram[cutoff]! < n; cutoff++) kept += histogram[cutoff]!;
    const found: number[] = [];
    for (let slot = 0; slot < count; slot++) if (distances[slot]! <= cutoff) found.push(slot);
    return found;
  }

  #packSigns(vector: Float32Array, into: Uint32Array, offset: number): Uint32Array {
    into.fill(0, offset, offset + this.#words);
    const dims = Math.min(vector.length, this.dimensions);
    for (let d = 0; d < dims; d++) if (vector[d]! > 0) into[offset + (d >>> 5)]! |= 1 << (d & 31);
    return into;
  }

  #grow(capacity: number): void {
    const grown = <T extends Uint32Array | Int8Array | Float32Array | Float64Array | Uint8Array>(old: T, size: number, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.#signs = grown(this.#signs, capacity * this.#words, (n) => new Uint32Array(n));
    this.#codes = grown(this.#codes, capacity * this.dimensions, (n) => new Int8Array(n));
    this.#scales = grown(this.#scales, capacity, (n) => new Float32Array(n));
    this.#ids = grown(this.#ids, capacity, (n) => new Float64Array(n));
    this.#visibility = grown(this.#visibility, capacity, (n) => new Uint8Array(n));
  }
}
