import { numberedLines, readTextFile } from '../files';
import { optionalLine, stringField, type Tool } from '../types';

export const readFile: Tool = {
  name: 'read_file',
  description: 'Read lines of a file in the workspace, numbered. Use it before proposing an edit. Paths are relative to the workspace folder.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'File path, relative to the workspace folder' },
      startLine: { type: 'integer', minimum: 1, description: 'First line to read (1-based); default 1' },
      endLine: { type: 'integer', minimum: 1, description: 'Last line to read (inclusive); at most 400 lines are returned' },
    },
    required: ['path'],
  },
  async run(input, { folders }) {
    const path = folders.resolve(stringField(input, 'path'));
    const display = folders.display(path);
    const lines = numberedLines(await readTextFile(path, display), optionalLine(input, 'startLine'), optionalLine(input, 'endLine'));
    const more = lines.last < lines.total ? `\n(lines ${lines.last + 1}–${lines.total} not shown)` : '';
    return { content: `${display} lines ${lines.first}–${lines.last} of ${lines.total}:\n${lines.text}${more}` };
  },
};
