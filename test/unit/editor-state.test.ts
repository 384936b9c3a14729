/** The editor state the extension answers with: taken as declared, and an answer Parley cannot read is an error naming the field. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from 'vscode-languageserver/node';
import { parseEditorState } from '../../protocol/editorState';
import type { EditorState } from '../../protocol/lsp';
import { editorState } from '../../server/tools/lspContext';

const range = { start: { line: 2, character: 0 }, end: { line: 2, character: 12 } };
const state: EditorState = {
  workspaceFolders: ['/ws'],
  activeEditor: {
    path: '/ws/src/a.ts',
    languageId: 'typescript',
    lineCount: 40,
    selection: range,
    selectedText: 'const answer',
    visibleRange: { start: { line: 0, character: 0 }, end: { line: 39, character: 0 } },
    visibleText: 'const answer = 42;',
  },
  openFiles: ['/ws/src/a.ts'],
  diagnostics: [{ path: '/ws/src/a.ts', range, severity: 'warning', message: 'unused', source: 'ts', code: '6133' }],
};

/** A connection whose editor answers `answer` to parley/editorState. */
const editorAnswering = (answer: unknown) => ({ sendRequest: () => Promise.resolve(answer) }) as unknown as Connection;

describe('editor state', () => {
  it('is taken from the editor as it sent it', async () => {
    assert.deepEqual(await editorState(editorAnswering(structuredClone(state))), state);
    assert.deepEqual(parseEditorState({ workspaceFolders: [], openFiles: [], diagnostics: [] }), { workspaceFolders: [], openFiles: [], diagnostics: [] });
  });

  it('that Parley cannot read is an error that names the wrong field', async () => {
    const badSeverity = { ...state, diagnostics: [{ ...state.diagnostics[0], severity: 'fatal' }] };
    await assert.rejects(editorState(editorAnswering(badSeverity)), /^Error: the editor sent an editor state Parley cannot read: diagnostics\.0\.severity: /);
    assert.throws(() => parseEditorState({ ...state, workspaceFolders: '/ws' }), /cannot read: workspaceFolders: /);
    assert.throws(
      () => parseEditorState({ ...state, activeEditor: { ...state.activeEditor, selection: { start: range.start } } }),
      /cannot read: activeEditor\.selection\.end: /,
    );
    assert.throws(() => parseEditorState(null), /cannot read: state: /);
  });
});
