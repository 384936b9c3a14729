import { isWorkspaceFile } from '../files';
import * as z from 'zod';
import { defineTool, lineField, pathField } from '../types';

export const openFile = defineTool({
  name: 'open_file',
  description: 'Open a workspace file in the editor for the user, optionally at a line or a range of lines.',
  input: z.object({
    path: pathField('File path, relative to the workspace folder'),
    line: lineField('Line to reveal (1-based)').optional(),
    endLine: lineField('Last line of a range to select').optional(),
  }),
  async run(input, { folders, showDocument }) {
    const path = folders.resolve(input.path);
    const display = folders.display(path);
    if (!(await isWorkspaceFile(folders, path))) return { content: `${display} does not exist.`, isError: true };
    const { line } = input;
    const endLine = input.endLine ?? line;
    const selection = line
      ? { start: { line: line - 1, character: 0 }, end: { line: (endLine ?? line) - 1, character: endLine && endLine !== line ? Number.MAX_SAFE_INTEGER : 0 } }
      : undefined;
    const shown = await showDocument(path, selection);
    return shown ? { content: `Opened ${display}${line ? ` at line ${line}` : ''}.` } : { content: `VS Code could not open ${display}.`, isError: true };
  },
});
