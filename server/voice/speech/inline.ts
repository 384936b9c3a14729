/**
 * Inline Markdown to speakable text, for one clause at a time. Block-level Markdown (code fences,
 * headings, list markers, tables) is handled line by line in blocks.ts before text gets here.
 */

/** Inline code longer than this is not read out; listeners cannot follow a spelled-out expression. */
export const INLINE_CODE_MAX_CHARS = 30;
export const LONG_INLINE_CODE_HINT = 'the code in the panel';

// Private-use characters stand in for inline code while the other rules run, so that
// `__init__` or `a*b` inside backticks is never taken for emphasis.
const HOLE_OPEN = '\uE000';
const HOLE_CLOSE = '\uE001';

export function speakable(markdown: string): string {
  const spans: string[] = [];
  let text = markdown.replace(/(`+)([^`]*?)\1(?!`)/g, (_match, _ticks: string, code: string) => {
    spans.push(spokenCode(code));
    return `${HOLE_OPEN}${spans.length - 1}${HOLE_CLOSE}`;
  });
  text = text.replace(/`+/g, '');
  text = stripLinks(text);
  text = stripEmphasis(text);
  text = text.replace(/\\([\\`*_{}[\]()#+\-.!>~|])/g, '$1');
  text = text.replace(new RegExp(`${HOLE_OPEN}(\\d+)${HOLE_CLOSE}`, 'g'), (_match, index: string) => spans[Number(index)] ?? '');
  return text.replace(/\s+/g, ' ').trim();
}

function spokenCode(code: string): string {
  const trimmed = code.trim();
  if (trimmed.length > INLINE_CODE_MAX_CHARS) return LONG_INLINE_CODE_HINT;
  // A call without arguments reads better as the bare name: `run()` → "run".
  return trimmed.replace(/\(\)$/, '');
}

function stripLinks(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[\^[^\]]*\]/g, '')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<(https?:\/\/[^>\s]+)>/g, (_match, url: string) => hostOf(url))
    .replace(/\bhttps?:\/\/[^\s<>()]+/g, shortenUrl)
    .replace(/<\/?[a-zA-Z][^<>]*>/g, ' ');
}

/** A bare URL is said as its host; punctuation that ends the sentence stays outside it. */
function shortenUrl(match: string): string {
  const trailing = /[.,;:!?'"]+$/.exec(match)?.[0] ?? '';
  return hostOf(match.slice(0, match.length - trailing.length)) + trailing;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return 'a link';
  }
}

function stripEmphasis(text: string): string {
  return (
    text
      .replace(/(\*\*|__)(?=\S)([^]*?\S)\1/g, '$2')
      .replace(/~~(?=\S)([^]*?\S)~~/g, '$1')
      .replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^*]*?\S)\*(?![\p{L}\p{N}*])/gu, '$1$2')
      // Underscores only mark emphasis at word edges, so snake_case names survive.
      .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_]*?\S)_(?![\p{L}\p{N}_])/gu, '$1$2')
      .replace(/\*\*+/g, '')
  );
}
