import { MAX_READ_CHARS, numberedLines, readTextFile, type NumberedLines } from '../files';
import { optionalLine, stringField, type Tool } from '../types';

/** What the model is told about lines it did not get, so it can ask for them next. */
function notShown(lines: NumberedLines): string {
  if (lines.cutAtChars) return `\n(lines ${lines.last + 1}–${lines.total} not shown: this read stopped at ${MAX_READ_CHARS} characters; read on from startLine ${lines.last + 1})`;
  return lines.last < lines.total ? `\n(lines ${lines.last + 1}–${lines.total} not shown)` : '';
}

export const readFile: Tool = {
  name: 'read_file',
  description: 'Read lines of a file in the workspace, numbered. Use it before proposing an edit. Paths are relative to the workspace folder.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'File path, relative to the workspace folder' },
      startLine: { type: 'integer', minimum: 1, description: 'First line to read (1-based); default 1' },
      endLine: { type: 'integer', minimum: 1, description: 'Last line to read (inclusive); at most 400 lines (and 100,000 characters) are returned' },
    },
    required: ['path'],
  },
  async run(input, { folders }) {
    const file = await readTextFile(folders, stringField(input, 'path'));
    const lines = numberedLines(file.text, optionalLine(input, 'startLine'), optionalLine(input, 'endLine'));
    return { content: `${file.display} lines ${lines.first}–${lines.last} of ${lines.total}:\n${lines.text}${notShown(lines)}` };
  },
};
