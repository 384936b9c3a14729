/**
 * The embeddings stage: text in, unit vectors out. Every embedder names itself with an `id`
 * that changes whenever its vectors would (model, dimension, feature version), so the store can
 * tell that stored vectors are stale and re-embed them.
 */
/** Told what a provider that bills by the token read for one call: its model and the tokens of the input. */
export type EmbeddingMeter = (usage: { provider: string; model: string; tokens: number }) => void;

export interface Embedder {
  /** For example "builtin:hash-v1:384" or "openai:text-embedding-3-small:1536". */
  readonly id: string;
  readonly dimensions: number;
  /** How many texts one call should carry at most. */
  readonly batchSize: number;
  /**
   * Unit-length vectors, one per text, in order. Rejects with a ProviderError when a provider
   * fails. A provider that reports the tokens it billed tells `meter`.
   */
  embed(texts: readonly string[], signal?: AbortSignal, meter?: EmbeddingMeter): Promise<Float32Array[]>;
  /** A search query's vector, where the model embeds queries unlike passages (a query prompt, say); else `embed`. */
  embedQuery?(query: string, signal?: AbortSignal): Promise<Float32Array>;
  /** Frees what the embedder holds (a loaded model); it is not used afterwards. */
  dispose?(): Promise<void>;
}

/** Scales a vector to unit length in place; the zero vector stays zero. */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  return vector;
}
