/**
 * Proposes an edit that the user previews and accepts or rejects in VS Code; nothing is written
 * without that. The edit replaces one exact, unique occurrence of `oldText`, or creates a new file
 * when `oldText` is empty and the file does not exist.
 */
import { lstat } from 'node:fs/promises';
import { readTextFile } from '../files';
import * as z from 'zod';
import { defineTool, pathField } from '../types';

function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

export const proposeEdit = defineTool({
  name: 'propose_edit',
  description:
    'Propose a change to a workspace file. The user sees a preview and accepts or rejects it. Replace one exact, unique occurrence of oldText with newText (read the file first); with an empty oldText, create a new file.',
  input: z.object({
    path: pathField('File path, relative to the workspace folder'),
    oldText: z.string().describe('The exact text to replace (unique in the file); empty to create a new file'),
    newText: z.string().describe('The replacement text'),
    summary: z.string().optional().describe('One line saying what the edit does, shown to the user'),
  }),
  async run({ oldText, newText, summary, ...input }, { folders, applyEdit }) {
    const path = folders.resolve(input.path);
    const display = folders.display(path);
    const label = summary ?? `Parley: edit ${display}`;
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
    if (text.indexOf(oldText, first + 1) >= 0)
      return { content: `oldText occurs more than once in ${display}; include more surrounding lines.`, isError: true };
    const range = { start: positionAt(text, first), end: positionAt(text, first + oldText.length) };
    const accepted = await applyEdit(label, path, { range, newText });
    return { content: accepted ? `The user accepted the edit to ${display}.` : `The user rejected the edit to ${display}.` };
  },
});
