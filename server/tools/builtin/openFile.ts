import { isWorkspaceFile } from '../files';
import { optionalLine, stringField, type Tool } from '../types';

export const openFile: Tool = {
  name: 'open_file',
  description: 'Open a workspace file in the editor for the user, optionally at a line or a range of lines.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'File path, relative to the workspace folder' },
      line: { type: 'integer', minimum: 1, description: 'Line to reveal (1-based)' },
      endLine: { type: 'integer', minimum: 1, description: 'Last line of a range to select' },
    },
    required: ['path'],
  },
  async run(input, { folders, showDocument }) {
    const path = folders.resolve(stringField(input, 'path'));
    const display = folders.display(path);
    if (!(await isWorkspaceFile(folders, path))) return { content: `${display} does not exist.`, isError: true };
    const line = optionalLine(input, 'line');
    const endLine = optionalLine(input, 'endLine') ?? line;
    const selection = line ? { start: { line: line - 1, character: 0 }, end: { line: (endLine ?? line) - 1, character: endLine && endLine !== line ? Number.MAX_SAFE_INTEGER : 0 } } : undefined;
    const shown = await showDocument(path, selection);
    return shown ? { content: `Opened ${display}${line ? ` at line ${line}` : ''}.` } : { content: `VS Code could not open ${display}.`, isError: true };
  },
};
