/**
 * The part of a passage shown under a search result: the window with the most distinct query
 * words, cut at word boundaries, with the matched words marked as ranges (the sidebar renders
 * them as highlights; the text itself stays plain).
 */
import { contentWords, stem, wordSpans } from './text';

const SNIPPET_CHARS = 240;
/** Queries longer than this are cut: they are sentences, and the extra words add little. */
const MAX_TERMS = 32;

export interface Snippet {
  snippet: string;
  highlights: [number, number][];
}

/** The words of a query as the full-text index should see them: lowercase, no stopwords (unless that leaves none). */
export function queryTerms(query: string): string[] {
  const words = contentWords(query);
  const terms = words.length > 0 ? words : wordSpans(query).map((span) => span.word);
  return [...new Set(terms)].slice(0, MAX_TERMS);
}

function matcher(terms: readonly string[]): (word: string) => string | undefined {
  const stems = new Map(terms.map((term) => [stem(term), term]));
  const last = terms.at(-1);
  return (word) => stems.get(stem(word)) ?? (last && last.length >= 2 && word.startsWith(last) ? last : undefined);
}

export function snippetOf(text: string, terms: readonly string[]): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const matchOf = matcher(terms);
  const hits = wordSpans(flat).flatMap((span) => {
    const term = matchOf(span.word);
    return term ? [{ ...span, term }] : [];
  });
  const start = bestWindowStart(flat, hits);
  return cut(flat, start, hits);
}

/** The start of the window that covers the most distinct terms, the earliest on ties. */
function bestWindowStart(text: string, hits: { start: number; term: string }[]): number {
  if (text.length <= SNIPPET_CHARS || hits.length === 0) return 0;
  let best = { start: 0, distinct: -1 };
  for (const hit of hits) {
    const from = Math.max(0, hit.start - 40);
    const distinct = new Set(hits.filter((h) => h.start >= from && h.start < from + SNIPPET_CHARS - 20).map((h) => h.term)).size;
    if (distinct > best.distinct) best = { start: from, distinct };
  }
  return best.start;
}

function cut(text: string, from: number, hits: { start: number; end: number }[]): Snippet {
  let start = from === 0 ? 0 : text.indexOf(' ', from) + 1 || from;
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  if (end < text.length) end = Math.max(start + 1, text.lastIndexOf(' ', end));
  if (start >= end) start = from;
  const prefix = start > 0 ? '… ' : '';
  const suffix = end < text.length ? ' …' : '';
  const highlights = hits
    .filter((hit) => hit.start >= start && hit.end <= end)
    .map((hit): [number, number] => [hit.start - start + prefix.length, hit.end - start + prefix.length]);
  return { snippet: prefix + text.slice(start, end) + suffix, highlights };
}
