/** The block structure of a note, as markdown-it sees it: headings and code blocks, by line. */
import MarkdownIt from 'markdown-it';

export interface Heading {
  /** 1 for '#', … 6 for '######' (and 1 or 2 for a setext heading). */
  depth: number;
  /** The raw heading text, without the '#' markers or the setext underline. */
  content: string;
  /** Lines start … end-1 hold the heading: one line for '#', two for setext. */
  start: number;
  end: number;
}

export interface Structure {
  headings: Heading[];
  /** For each line, the index of the code block (fenced or indented) it belongs to, or -1 for prose. */
  codeBlock: Int32Array;
}

// Only the block pass is needed: headings and code come from block tokens, and skipping the inline pass
// makes parsing a whole vault several times faster.
const parser = new MarkdownIt({ html: true });
parser.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);

/**
 * Headings and code blocks of `lines`. Headings nested in block quotes, callouts or lists are not
 * section boundaries, as in Obsidian's outline.
 */
export function readStructure(lines: string[]): Structure {
  const codeBlock = new Int32Array(lines.length).fill(-1);
  const headings: Heading[] = [];
  const tokens = parser.parse(lines.join('\n'), {});
  let blocks = 0;
  tokens.forEach((token, i) => {
    if (!token.map) return;
    if (token.type === 'fence' || token.type === 'code_block') codeBlock.fill(blocks++, token.map[0], token.map[1]);
    if (token.type === 'heading_open' && token.level === 0) {
      headings.push({ depth: Number(token.tag.slice(1)), content: tokens[i + 1].content, start: token.map[0], end: token.map[1] });
    }
  });
  return { headings, codeBlock };
}
