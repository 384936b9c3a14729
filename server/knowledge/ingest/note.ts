/**
 * A note file turned into what the knowledge base stores: title, aliases, tags, links and
 * heading-aware chunks. Pure: no file system, no database.
 */
import { DEFAULT_MAX_CHUNK_CHARS, makeChunk, packLines, type ChunkLine, type Piece } from './chunk';
import { frontmatterAliases, frontmatterTags, frontmatterTitle, readFrontmatter } from './frontmatter';
import { readStructure, type Heading, type Structure } from './markdown';
import { dedupeTags, removeComments, renderLine } from './obsidian';

export interface NoteLink {
  target: string;
  /** After the '#': 'Setup', 'Setup#Linux' for nested headings, '^block-id' for a block. */
  heading?: string;
  alias?: string;
  embed: boolean;
}

export interface NoteChunk {
  /** [note title, h1, h2, …]: always starts with the note title; a first heading equal to the title is not repeated. */
  headingPath: string[];
  /** The deepest heading of the chunk; '' for text before the first heading. */
  heading: string;
  /** 0-based line of the file where the chunk starts: its heading line, or its own first line for a continuation. */
  line: number;
  /** The searchable body. The heading line itself is not repeated here: it is in headingPath. */
  text: string;
  tags: string[];
  /** sha256 hex of headingPath joined with ' › ', a newline, and text. */
  hash: string;
}

export interface ParsedNote {
  title: string;
  aliases: string[];
  tags: string[];
  links: NoteLink[];
  frontmatter: Record<string, unknown>;
  /** Why the frontmatter could not be read; the body is parsed and chunked all the same. */
  frontmatterError?: string;
  chunks: NoteChunk[];
}

export interface ParseOptions {
  /** The largest chunk text, in characters; 1500 by default (about 400 tokens). */
  maxChunkChars?: number;
}

/** A heading's section: its chain of headings and its lines, rendered, without the heading line. */
interface Section {
  path: string[];
  line: number;
  headingTags: string[];
  body: ChunkLine[];
}

/** Parses a Markdown note, Obsidian syntax included. Never throws on malformed input. */
export function parseNote(source: string, fileName: string, options: ParseOptions = {}): ParsedNote {
  const lines = splitLines(source);
  const frontmatter = readFrontmatter(lines);
  const body = lines.map((line, i) => (i < frontmatter.bodyStart ? '' : line));
  const { lines: cleaned, structure } = withoutComments(body);
  const title = frontmatterTitle(frontmatter.data) ?? baseName(fileName);
  const fmTags = frontmatterTags(frontmatter.data);
  const { sections, tags, links } = readSections(cleaned, structure);
  const chunks = sections.flatMap((section) => sectionChunks(breadcrumb(title, section), section, fmTags, maxChars(options)));
  const note: ParsedNote = {
    title,
    aliases: frontmatterAliases(frontmatter.data),
    tags: dedupeTags([...fmTags, ...tags]),
    links,
    frontmatter: frontmatter.data,
    chunks: chunks.length > 0 ? chunks : [titleChunk(title, frontmatter.bodyStart, fmTags)],
  };
  if (frontmatter.error) note.frontmatterError = frontmatter.error;
  return note;
}

/** Parses a plain text file: paragraphs packed into chunks under the file's name. */
export function parsePlainText(source: string, fileName: string, options: ParseOptions = {}): ParsedNote {
  const title = baseName(fileName);
  const lines = splitLines(source).map((text, line): ChunkLine => ({ line, text: text.trimEnd(), tags: [], codeBlock: -1 }));
  const chunks = packLines(lines, maxChars(options)).map((piece) => makeChunk([title], '', piece, []));
  return { title, aliases: [], tags: [], links: [], frontmatter: {}, chunks: chunks.length > 0 ? chunks : [titleChunk(title, 0, [])] };
}

function maxChars(options: ParseOptions): number {
  return Math.max(1, Math.floor(options.maxChunkChars ?? DEFAULT_MAX_CHUNK_CHARS));
}

/** Splits like markdown-it does, so its line numbers are the file's line numbers. */
function splitLines(source: string): string[] {
  return source.replace(/^\uFEFF/, '').split(/\r\n?|\n/);
}

function baseName(fileName: string): string {
  const name = fileName.split(/[\\/]/).pop() ?? fileName;
  return name.replace(/\.(md|markdown|txt)$/i, '') || name;
}

/**
 * Removes comments, then reads the structure again if any were removed: a '# heading' or a code fence
 * inside a comment is not one.
 */
function withoutComments(body: string[]): { lines: string[]; structure: Structure } {
  const first = readStructure(body);
  const cleaned = removeComments(body, (i) => first.codeBlock[i] >= 0);
  const changed = cleaned.some((line, i) => line !== body[i]);
  return { lines: cleaned, structure: changed ? readStructure(cleaned) : first };
}

/** Splits the note at its headings and renders every line, collecting tags and links on the way. */
function readSections(lines: string[], structure: Structure): { sections: Section[]; tags: string[]; links: NoteLink[] } {
  const tags: string[] = [];
  const links: NoteLink[] = [];
  const sections: Section[] = [{ path: [], line: -1, headingTags: [], body: [] }];
  const headingAt = new Map(structure.headings.map((heading) => [heading.start, heading]));
  const chain: { depth: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const heading = headingAt.get(i);
    if (heading) {
      sections.push(openSection(heading, chain, tags, links));
      i = heading.end - 1;
      continue;
    }
    const codeBlock = structure.codeBlock[i];
    const rendered = codeBlock >= 0 ? { text: lines[i], tags: [], links: [] } : renderLine(lines[i].trimEnd());
    tags.push(...rendered.tags);
    links.push(...rendered.links);
    sections[sections.length - 1].body.push({ line: i, text: rendered.text, tags: rendered.tags, codeBlock });
  }
  return { sections, tags, links };
}

/** A new section for `heading`; `chain` (the enclosing headings) is updated in place. */
function openSection(heading: Heading, chain: { depth: number; text: string }[], tags: string[], links: NoteLink[]): Section {
  const rendered = renderLine(heading.content.trim());
  tags.push(...rendered.tags);
  links.push(...rendered.links);
  while (chain.length > 0 && chain[chain.length - 1].depth >= heading.depth) chain.pop();
  chain.push({ depth: heading.depth, text: rendered.text.trim() });
  return { path: chain.map((h) => h.text), line: heading.start, headingTags: rendered.tags, body: [] };
}

/**
 * The title, and the section's headings after it. Most notes open with a '# Title' heading that repeats
 * the file name; the breadcrumb shows it once.
 */
function breadcrumb(title: string, section: Section): string[] {
  const [first, ...rest] = section.path;
  if (first === undefined) return [title];
  return first.toLowerCase() === title.toLowerCase() ? [title, ...rest] : [title, ...section.path];
}

function sectionChunks(headingPath: string[], section: Section, noteTags: string[], maxChunkChars: number): NoteChunk[] {
  const heading = section.path[section.path.length - 1] ?? '';
  const pieces = packLines(section.body, maxChunkChars);
  // The first chunk of a section starts at its heading, so that a search hit opens the file there.
  if (pieces.length > 0 && section.line >= 0) pieces[0].line = section.line;
  const tags = [...noteTags, ...section.headingTags];
  return pieces.map((piece) => makeChunk(headingPath, heading, piece, tags));
}

/** The one chunk of a note that has nothing but headings (or nothing at all): its title. */
function titleChunk(title: string, line: number, tags: string[]): NoteChunk {
  const piece: Piece = { line, text: title, tags: [] };
  return makeChunk([title], '', piece, tags);
}
