/**
 * Obsidian's inline syntax on one line of prose: wikilinks, embeds, tags, callout markers, block ids,
 * and comments across lines. Lines inside code are never handed here; code is kept verbatim.
 */
import type { NoteLink } from './note';

/** One prose line made searchable, with what it links to and the tags written in it. */
export interface RenderedLine {
  text: string;
  tags: string[];
  links: NoteLink[];
}

/** The separator used wherever a heading chain is shown as readable text. */
export const PATH_SEPARATOR = ' › ';

// Obsidian allows letters, digits, '_', '-' and '/' in a tag, and a tag must follow whitespace or the
// start of the line; that rule alone keeps out URL fragments, '[x](#anchor)' and '&#123;'.
const TAG = /(?<=^|\s)#([\p{L}\p{N}\p{M}_\-/]+)/gu;
const WIKILINK = /(!?)\[\[([^[\]\n]+?)\]\]/g;
const CALLOUT = /^\s*(?:>\s*)+\[!([\w-]+)\][+-]?\s*(.*)$/;
const BLOCK_ID = /(?:^|\s+)\^[A-Za-z0-9-]+\s*$/;
// Markdown link destinations, autolinks and bare URLs: a '#' inside them is never a tag.
const URLS = /\]\([^)\s]*\)|<[a-z][\w+.-]*:[^>\s]*>|\b[a-z][\w+.-]*:\/\/[^\s<>)\]]+/gi;

/**
 * A tag as Obsidian would accept it, or undefined. The '#' is optional; a trailing '/' is dropped, a
 * leading one is not allowed, and a tag made only of digits ('1984') is not a tag.
 */
export function normalizeTag(raw: string): string | undefined {
  const tag = raw.replace(/^#/, '').replace(/\/+$/, '');
  if (!/^[\p{L}\p{N}\p{M}_-][\p{L}\p{N}\p{M}_\-/]*$/u.test(tag)) return undefined;
  return /[^\d/]/.test(tag) ? tag : undefined;
}

/** Dedupes case-insensitively, keeping the first spelling met: '#Project' then '#project' is one tag. */
export function dedupeTags(tags: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const tag of tags) if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  return [...seen.values()];
}

/** Splits `target#heading|alias` (a '\|' inside a table cell counts as the '|'). */
export function parseWikilink(inner: string, embed: boolean): NoteLink {
  const bar = inner.indexOf('|');
  const ref = (bar < 0 ? inner : inner.slice(0, bar)).replace(/\\$/, '');
  const alias = bar < 0 ? undefined : inner.slice(bar + 1).trim();
  const hash = ref.indexOf('#');
  const link: NoteLink = { target: (hash < 0 ? ref : ref.slice(0, hash)).trim(), embed };
  const heading = hash < 0 ? '' : ref.slice(hash + 1).trim();
  if (heading) link.heading = heading;
  if (alias) link.alias = alias;
  return link;
}

/**
 * What a reader sees for a link: the alias, else 'target › heading'. Embeds show the target even when
 * they have an alias, because an embed's alias is usually an image size ('![[photo.png|200]]').
 */
export function linkText(link: NoteLink): string {
  if (link.alias && !link.embed) return link.alias;
  const headings = (link.heading ?? '').split('#').filter((h) => h && !h.startsWith('^'));
  return [link.target, ...headings].filter(Boolean).join(PATH_SEPARATOR);
}

/** Renders one prose line: callout markers, block ids, wikilinks; collects tags and links outside inline code. */
export function renderLine(line: string): RenderedLine {
  const result: RenderedLine = { text: '', tags: [], links: [] };
  const pieces = splitInlineCode(withoutBlockId(calloutAsText(line)));
  result.text = pieces.map((piece) => (piece.code ? piece.text : renderProse(piece.text, result))).join('');
  return result;
}

// The includes() checks skip the regular expressions on the many lines that cannot match them.
function renderProse(prose: string, into: RenderedLine): string {
  const text = prose.includes('[[') ? prose.replace(WIKILINK, (_match, bang: string, inner: string) => renderLink(inner, bang, into)) : prose;
  if (!text.includes('#')) return text;
  for (const match of text.replace(URLS, ' ').matchAll(TAG)) {
    const tag = normalizeTag(match[1]);
    if (tag) into.tags.push(tag);
  }
  return text;
}

function renderLink(inner: string, bang: string, into: RenderedLine): string {
  const link = parseWikilink(inner, bang === '!');
  // A link to a heading of the same note ('[[#Setup]]') is rendered but is not an edge to another note.
  if (link.target) into.links.push(link);
  return linkText(link);
}

/** `> [!warning]- Careful` becomes 'Warning: Careful'; the quote markers of that line go with it. */
function calloutAsText(line: string): string {
  const match = line.includes('[!') ? CALLOUT.exec(line) : null;
  if (!match) return line;
  const label = match[1].charAt(0).toUpperCase() + match[1].slice(1).toLowerCase();
  const title = match[2].trim();
  return title ? `${label}: ${title}` : label;
}

function withoutBlockId(line: string): string {
  return !line.includes('^') || line.endsWith('`') ? line : line.replace(BLOCK_ID, '');
}

/** Pieces of a line alternating between prose and inline code spans (a run of n backticks closed by n). */
export function splitInlineCode(line: string): { text: string; code: boolean }[] {
  const pieces: { text: string; code: boolean }[] = [];
  let prose = 0;
  let at = line.indexOf('`');
  while (at >= 0) {
    const fence = /^`+/.exec(line.slice(at))![0];
    const close = findBacktickRun(line, at + fence.length, fence.length);
    if (close < 0) {
      at = line.indexOf('`', at + fence.length);
      continue;
    }
    if (at > prose) pieces.push({ text: line.slice(prose, at), code: false });
    pieces.push({ text: line.slice(at, close + fence.length), code: true });
    prose = close + fence.length;
    at = line.indexOf('`', prose);
  }
  if (prose < line.length || pieces.length === 0) pieces.push({ text: line.slice(prose), code: false });
  return pieces;
}

function findBacktickRun(line: string, from: number, length: number): number {
  for (const match of line.slice(from).matchAll(/`+/g)) {
    if (match[0].length === length) return from + match.index;
  }
  return -1;
}

// Both kinds of comment are hidden when Obsidian renders a note, so neither is searchable text.
const COMMENT_OPENER = /%%|<!--/;
const COMMENT_CLOSER: Record<string, string> = { '%%': '%%', '<!--': '-->' };

/**
 * Removes `%% comments %%` and `<!-- HTML comments -->`, which may span lines, keeping every line break
 * so line numbers still match the file. `isCode(i)` says whether line i is inside a code block: there a
 * comment marker is text, unless a comment opened earlier is still running, in which case the code is
 * part of the comment.
 */
export function removeComments(lines: string[], isCode: (line: number) => boolean): string[] {
  let closer: string | undefined;
  return lines.map((line, index) => {
    if (!closer && isCode(index)) return line;
    const cleaned = removeCommentsFromLine(line, closer);
    closer = cleaned.closer;
    return cleaned.text;
  });
}

function removeCommentsFromLine(line: string, openCloser: string | undefined): { text: string; closer?: string } {
  let closer = openCloser;
  let rest = line;
  if (closer) {
    const end = line.indexOf(closer);
    if (end < 0) return { text: '', closer };
    rest = line.slice(end + closer.length);
    closer = undefined;
  }
  let text = '';
  for (const piece of splitInlineCode(rest)) {
    if (piece.code) {
      if (!closer) text += piece.text;
      continue;
    }
    const stripped = stripComments(piece.text, closer);
    text += stripped.text;
    closer = stripped.closer;
  }
  // Trimmed so that a line left with only indentation cannot turn into an indented code block.
  return { text: text === line ? line : text.trimEnd(), closer };
}

/** Prose without its comments, and the closing marker still awaited if a comment runs past the end. */
function stripComments(prose: string, openCloser: string | undefined): { text: string; closer?: string } {
  let closer = openCloser;
  let rest = prose;
  let text = '';
  while (rest) {
    if (closer) {
      const end = rest.indexOf(closer);
      if (end < 0) return { text, closer };
      rest = rest.slice(end + closer.length);
      closer = undefined;
      continue;
    }
    const open = COMMENT_OPENER.exec(rest);
    if (!open) return { text: text + rest };
    text += rest.slice(0, open.index);
    closer = COMMENT_CLOSER[open[0]];
    rest = rest.slice(open.index + open[0].length);
  }
  return { text, closer };
}
