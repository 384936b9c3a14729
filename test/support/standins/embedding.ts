import { createHash } from 'node:crypto';

/**
 * A deterministic embedding by feature hashing: each word adds ±1 at a hashed position, then the
 * vector is L2-normalized. The same text always gives the same vector, and texts that share words
 * have a higher cosine similarity, so knowledge-base ranking tests mean something offline.
 */
export function hashedEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
  for (const word of words) {
    const digest = createHash('sha256').update(word).digest();
    const sign = digest[4]! & 1 ? 1 : -1;
    vector[digest.readUInt32LE(0) % dimensions]! += sign;
  }
  return normalize(vector);
}

function normalize(vector: Float32Array): Float32Array {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0) return vector;
  return vector.map((value) => value / norm);
}

/** Float32 little-endian bytes in base64, the wire form of `encoding_format: "base64"`. */
export function float32Base64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}
