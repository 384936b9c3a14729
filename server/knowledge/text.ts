/** Words as the knowledge base compares them, shared by the embedder, the query and the snippets. */
import { stemmer } from 'stemmer';

/** Common English words that carry no topic; they are left out of queries and embeddings. */
export const STOPWORDS = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on or our ' +
    'so such than that the their then there these they this to was we what when where which who why will with you your'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** Lowercase words with their offsets in `text`. */
export function wordSpans(text: string): { word: string; start: number; end: number }[] {
  return [...text.matchAll(WORD)].map((match) => ({ word: match[0].toLowerCase(), start: match.index, end: match.index + match[0].length }));
}

/** Lowercase words in reading order, stopwords left out. */
export function contentWords(text: string): string[] {
  return wordSpans(text)
    .map((span) => span.word)
    .filter((word) => !STOPWORDS.has(word));
}

export function stem(word: string): string {
  return stemmer(word);
}
