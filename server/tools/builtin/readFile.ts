import { MAX_READ_CHARS, numberedLines, readTextFile, type NumberedLines } from '../files';
import * as z from 'zod';
import { defineTool, lineField, pathField } from '../types';

/** What the model is told about lines it did not get, so it can ask for them next. */
function notShown(lines: NumberedLines): string {
  if (lines.cutAtChars)
    return `\n(lines ${lines.last + 1}–${lines.total} not shown: this read stopped at ${MAX_READ_CHARS} characters; read on from startLine ${lines.last + 1})`;
  return lines.last < lines.total ? `\n(lines ${lines.last + 1}–${lines.total} not shown)` : '';
}

export const readFile = defineTool({
  name: 'read_file',
  description: 'Read lines of a file in the workspace, numbered. Use it before proposing an edit. Paths are relative to the workspace folder.',
  input: z.object({
    path: pathField('File path, relative to the workspace folder'),
    startLine: lineField('First line to read (1-based); default 1').optional(),
    endLine: lineField('Last line to read (inclusive); at most 400 lines (and 100,000 characters) are returned').optional(),
  }),
  async run({ path, startLine, endLine }, { folders }) {
    const file = await readTextFile(folders, path);
    const lines = numberedLines(file.text, startLine, endLine);
    return { content: `${file.display} lines ${lines.first}–${lines.last} of ${lines.total}:\n${lines.text}${notShown(lines)}` };
  },
});
