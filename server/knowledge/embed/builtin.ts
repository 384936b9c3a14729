/**
 * The built-in embedder: works offline, downloads nothing, and is the same on every machine.
 *
 * No npm package ships text-embedding weights, and Parley must index notes without a network,
 * so this embedder uses feature hashing instead of a trained model. A text's features are its
 * stemmed words, its word pairs and the character n-grams of its words; each feature lands at a
 * hashed position with a hashed sign, weighted by a sublinear term frequency. Vectors therefore
 * compare texts by shared vocabulary like BM25 does, and also by shared word pieces, which BM25
 * cannot: "deploying" meets "deployment", "dataview" meets "data view", a typo still lands
 * near its word. Fused with BM25 that catches what exact terms miss.
 *
 * Stored vectors carry term frequency only. Rarity is applied to the query alone
 * (`embedWeightedQuery` with the corpus's inverse document frequencies): the dot product then weighs a
 * shared rare word far above a shared "note" or "plugin", and the stored vectors never go stale
 * as the corpus and its frequencies change. On the Obsidian Hub questions this lifts the vector
 * leg's MRR@10 from 0.51 to 0.63.
 */
import { contentWords, stem } from '../text';
import { normalizeInPlace, type Embedder } from './embedder';

export const BUILTIN_DIMENSIONS = 384;
/** Bump when features or weights change: stored vectors are then re-embedded. */
const FEATURE_VERSION = 2;

const WORD_WEIGHT = 1;
const PAIR_WEIGHT = 0.5;
/** Shared by all of a word's n-grams, so long words do not outweigh short ones. */
const NGRAM_WEIGHT = 0.9;
/** Trigrams alone: adding 4-grams doubled the collisions at 384 dimensions and lowered recall. */
const NGRAM_SIZES = [3] as const;
/** How sharply the query side favours rare words: idf², as measured best of idf⁰, idf¹ and idf². */
const IDF_POWER = 2;

/** A word's weight in the query; 1 for every word when stored passages are embedded. */
export type WordWeight = (stem: string) => number;
const UNWEIGHTED: WordWeight = () => 1;

/** FNV-1a over UTF-16 code units with a seed; fast, and stable across platforms and versions. */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche so nearby strings spread over all positions.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Words in reading order with camelCase split ("DataView" gives "data", "view"), stopwords dropped. */
export function words(text: string): string[] {
  return contentWords(text.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2'));
}

function addFeature(features: Map<string, number>, feature: string, weight: number): void {
  features.set(feature, (features.get(feature) ?? 0) + weight);
}

function addNgrams(features: Map<string, number>, word: string, weight: number): void {
  const marked = `<${word}>`;
  const grams: string[] = [];
  for (const size of NGRAM_SIZES) {
    for (let i = 0; i + size <= marked.length; i++) grams.push(marked.slice(i, i + size));
  }
  for (const gram of grams) addFeature(features, `g:${gram}`, (NGRAM_WEIGHT * weight) / grams.length);
}

/** The weighted features of a text, before hashing; a word's n-grams and pairs share its weight. */
export function features(text: string, weightOf: WordWeight = UNWEIGHTED): Map<string, number> {
  const features = new Map<string, number>();
  const stems = words(text).map(stem);
  stems.forEach((word, i) => {
    const weight = weightOf(word);
    addFeature(features, `w:${word}`, WORD_WEIGHT * weight);
    addNgrams(features, word, weight);
    if (i > 0) addFeature(features, `p:${stems[i - 1]} ${word}`, PAIR_WEIGHT * Math.sqrt(weight * weightOf(stems[i - 1]!)));
  });
  return features;
}

export function embedText(text: string, dimensions = BUILTIN_DIMENSIONS, weightOf: WordWeight = UNWEIGHTED): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const [feature, weight] of features(text, weightOf)) {
    const h = hash32(feature, 0);
    const sign = hash32(feature, 0x9e3779b9) & 1 ? 1 : -1;
    // Sublinear frequency: the tenth mention of a word adds far less than the first.
    vector[h % dimensions]! += sign * Math.log1p(weight);
  }
  return normalizeInPlace(vector);
}

export class BuiltinEmbedder implements Embedder {
  readonly id: string;
  readonly batchSize = 256;

  constructor(readonly dimensions = BUILTIN_DIMENSIONS) {
    this.id = `builtin:hash-v${FEATURE_VERSION}:${dimensions}`;
  }

  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    return Promise.resolve(texts.map((text) => embedText(text, this.dimensions)));
  }

  /**
   * A query's vector with each word weighted by idf² of the passages it occurs in, given as
   * `idf(stem)` (the searcher reads document frequencies from the full-text index).
   */
  embedWeightedQuery(query: string, idf: WordWeight): Float32Array {
    return embedText(query, this.dimensions, (stem) => Math.max(0.1, idf(stem)) ** IDF_POWER);
  }
}
