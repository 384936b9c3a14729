/**
 * Packing a section's lines into chunks of at most `maxChars` characters. A section is cut at blank
 * lines first, then at line ends; a code block is cut only when it alone is over the cap.
 */
import { createHash } from 'node:crypto';
import type { NoteChunk } from './note';
import { dedupeTags, PATH_SEPARATOR } from './obsidian';

/** One line of a note as it goes into a chunk: already rendered, with the tags written in it. */
export interface ChunkLine {
  line: number;
  text: string;
  tags: string[];
  /** Lines of the same code block share an id; prose lines have -1. */
  codeBlock: number;
}

/** Text that may share a chunk with its neighbours: one paragraph, list or code block. */
interface Block {
  lines: ChunkLine[];
  /** Whether a blank line separated this block from the one before. */
  afterBlank: boolean;
}

/** A chunk's text, where it starts and the tags written in it, before it gets its heading. */
export interface Piece {
  line: number;
  text: string;
  tags: string[];
}

export const DEFAULT_MAX_CHUNK_CHARS = 1500;

/** Packs lines into pieces of at most `maxChars` (a single longer code line is kept whole). */
export function packLines(lines: ChunkLine[], maxChars: number): Piece[] {
  const pieces: Piece[] = [];
  let current: Piece | undefined;
  for (const block of toBlocks(lines)) {
    for (const [index, part] of splitBlock(block, maxChars).entries()) {
      const separator = index === 0 && block.afterBlank ? '\n\n' : '\n';
      if (current && current.text.length + separator.length + part.text.length <= maxChars) {
        current.text += separator + part.text;
        current.tags.push(...part.tags);
      } else {
        if (current) pieces.push(current);
        current = { ...part, tags: [...part.tags] };
      }
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Groups lines into blocks: a code block stays together, prose runs until a blank line. */
function toBlocks(lines: ChunkLine[]): Block[] {
  const blocks: Block[] = [];
  let afterBlank = false;
  let previous: ChunkLine | undefined;
  for (const line of lines) {
    const blank = line.codeBlock < 0 && line.text.trim() === '';
    if (blank) afterBlank = blocks.length > 0;
    else if (previous && !afterBlank && line.codeBlock === previous.codeBlock) blocks[blocks.length - 1].lines.push(line);
    else blocks.push({ lines: [line], afterBlank });
    if (!blank) afterBlank = false;
    previous = blank ? undefined : line;
  }
  return blocks;
}

/** The block as one part if it fits, else its lines packed into parts that fit. */
function splitBlock(block: Block, maxChars: number): Piece[] {
  const whole = { line: block.lines[0].line, text: joinLines(block.lines), tags: block.lines.flatMap((l) => l.tags) };
  if (whole.text.length <= maxChars) return [whole];
  const parts: Piece[] = [];
  for (const line of block.lines.flatMap((l) => splitLongLine(l, maxChars))) {
    const last = parts[parts.length - 1];
    if (last && last.text.length + 1 + line.text.length <= maxChars) {
      last.text += '\n' + line.text;
      last.tags.push(...line.tags);
    } else {
      parts.push({ line: line.line, text: line.text, tags: [...line.tags] });
    }
  }
  return parts;
}

function joinLines(lines: ChunkLine[]): string {
  return lines.map((line) => line.text).join('\n');
}

/**
 * A prose line over the cap cut at spaces (or anywhere, for one enormous word). A code line is never
 * cut: half a line of code means nothing, and minified code is rare in notes.
 */
function splitLongLine(line: ChunkLine, maxChars: number): ChunkLine[] {
  if (line.text.length <= maxChars || line.codeBlock >= 0) return [line];
  const parts: ChunkLine[] = [];
  let rest = line.text;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars);
    const cut = space > 0 ? space : maxChars;
    parts.push({ ...line, text: rest.slice(0, cut).trimEnd() });
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push({ ...line, text: rest });
  return parts;
}

/** A finished chunk; the hash covers what search sees, so re-indexing can skip unchanged chunks. */
export function makeChunk(headingPath: string[], heading: string, piece: Piece, noteTags: string[]): NoteChunk {
  const hash = createHash('sha256')
    .update(`${headingPath.join(PATH_SEPARATOR)}\n${piece.text}`)
    .digest('hex');
  return { headingPath, heading, line: piece.line, text: piece.text, tags: dedupeTags([...noteTags, ...piece.tags]), hash };
}
