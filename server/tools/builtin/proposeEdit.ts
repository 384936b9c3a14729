/**
 * Proposes an edit that the user previews and accepts or rejects in VS Code; nothing is written
 * without that. The edit replaces one exact, unique occurrence of `oldText`, or creates a new file
 * when `oldText` is empty and the file does not exist.
 */
import { lstat } from 'node:fs/promises';
import { readTextFile } from '../files';
import { optionalString, stringField, ToolInputError, type Tool } from '../types';

function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

export const proposeEdit: Tool = {
  name: 'propose_edit',
  description:
    'Propose a change to a workspace file. The user sees a preview and accepts or rejects it. Replace one exact, unique occurrence of oldText with newText (read the file first); with an empty oldText, create a new file.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'File path, relative to the workspace folder' },
      oldText: { type: 'string', description: 'The exact text to replace (unique in the file); empty to create a new file' },
      newText: { type: 'string', description: 'The replacement text' },
      summary: { type: 'string', description: 'One line saying what the edit does, shown to the user' },
    },
    required: ['path', 'oldText', 'newText'],
  },
  async run(input, { folders, applyEdit }) {
    const path = folders.resolve(stringField(input, 'path'));
    const display = folders.display(path);
    const oldText = optionalString(input, 'oldText') ?? '';
    const newText = optionalString(input, 'newText');
    if (newText === undefined) throw new ToolInputError('"newText" must be a string');
    const label = optionalString(input, 'summary') ?? `Parley: edit ${display}`;
    if (oldText === '') {
      // Anything at the path (a file, a folder, a FIFO) rules out a create, not only a readable file.
      const existing = await lstat(path).catch(() => undefined);
      if (existing?.isFile()) return { content: `${display} already exists; give the exact text to replace.`, isError: true };
      if (existing) return { content: `${display} exists and is not a file; Parley only creates new files.`, isError: true };
      const accepted = await applyEdit(label, path, { newText, create: true });
      return { content: accepted ? `The user accepted: created ${display}.` : `The user rejected creating ${display}.` };
    }
    const { text } = await readTextFile(folders, path);
    const first = text.indexOf(oldText);
    if (first < 0) return { content: `oldText was not found in ${display}; read the file and copy the text exactly.`, isError: true };
    if (text.indexOf(oldText, first + 1) >= 0) return { content: `oldText occurs more than once in ${display}; include more surrounding lines.`, isError: true };
    const range = { start: positionAt(text, first), end: positionAt(text, first + oldText.length) };
    const accepted = await applyEdit(label, path, { range, newText });
    return { content: accepted ? `The user accepted the edit to ${display}.` : `The user rejected the edit to ${display}.` };
  },
};
