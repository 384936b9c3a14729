/** The YAML frontmatter of a note and the fields Parley reads from it: title, aliases and tags. */
import { parseDocument } from 'yaml';
import { dedupeTags, normalizeTag } from './obsidian';

export interface Frontmatter {
  data: Record<string, unknown>;
  /** Lines 0 … bodyStart-1 hold the frontmatter, fences included; 0 when there is none. */
  bodyStart: number;
  error?: string;
}

/**
 * Reads the frontmatter block: '---' on the first line up to the next '---' or '...'. Without a closing
 * line there is no frontmatter (Obsidian shows such a file as text), so nothing is lost.
 */
export function readFrontmatter(lines: string[]): Frontmatter {
  if (lines.length === 0 || lines[0].replace(/^\uFEFF/, '').trimEnd() !== '---') return { data: {}, bodyStart: 0 };
  const close = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(line));
  if (close < 0) return { data: {}, bodyStart: 0 };
  return { ...parseYaml(lines.slice(1, close).join('\n')), bodyStart: close + 1 };
}

function parseYaml(text: string): { data: Record<string, unknown>; error?: string } {
  // parseDocument collects errors and warnings instead of throwing or printing them.
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const [first] = doc.errors;
    return { data: {}, error: `${oneLine(first.message)} (line ${fileLine(text, first.pos[0])})` };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { data: {}, error: oneLine(error instanceof Error ? error.message : String(error)) };
  }
  if (value == null) return { data: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { data: {}, error: 'the frontmatter is not a list of key: value fields' };
  return { data: value as Record<string, unknown> };
}

/** The 1-based line of the note at an offset of the YAML text, which starts on the note's second line. */
function fileLine(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length + 1;
}

function oneLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** `title`, if it is a non-empty string or number. */
export function frontmatterTitle(data: Record<string, unknown>): string | undefined {
  const title = data.title;
  if (typeof title === 'number') return String(title);
  return typeof title === 'string' && title.trim() ? title.trim() : undefined;
}

/** `aliases` or `alias`: a string (comma-separated) or a list; empty items (`- ` in a template) are dropped. */
export function frontmatterAliases(data: Record<string, unknown>): string[] {
  const items = [...listItems(data.aliases), ...listItems(data.alias)];
  return [
    ...new Set(
      items
        .flatMap((item) => item.split(','))
        .map((alias) => alias.trim())
        .filter(Boolean),
    ),
  ];
}

/** `tags` or `tag`: a string or list, separated by commas or spaces, each with or without '#'. */
export function frontmatterTags(data: Record<string, unknown>): string[] {
  const words = [...listItems(data.tags), ...listItems(data.tag)].flatMap((item) => item.split(/[\s,]+/));
  return dedupeTags(words.map(normalizeTag).filter((tag) => tag !== undefined));
}

function listItems(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item) => typeof item === 'string' || typeof item === 'number').map(String);
}
