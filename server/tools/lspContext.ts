/**
 * The editor side of the tools' context, over the LSP connection: the editor state from the
 * extension, `window/showDocument` to open a location, and `workspace/applyEdit` with a change
 * annotation that needs confirmation, so VS Code shows the edit as a preview for the user to accept.
 */
import { pathToFileURL } from 'node:url';
import type { Connection } from 'vscode-languageserver/node';
import { EditorStateRequest, type TextRange } from '../../protocol/lsp';
import type { WorkspaceFolders } from './confine';
import type { ToolContext } from './types';

const ANNOTATION = 'parley.proposedEdit';

export function lspToolContext(connection: Connection, folders: WorkspaceFolders): ToolContext {
  return {
    folders,
    editorState: () => connection.sendRequest(EditorStateRequest.type),
    async showDocument(path: string, selection?: TextRange) {
      const result = await connection.window.showDocument({ uri: pathToFileURL(path).href, takeFocus: true, ...(selection ? { selection } : {}) });
      return result.success;
    },
    async applyEdit(label, path, edit) {
      const uri = pathToFileURL(path).href;
      const start = { line: 0, character: 0 };
      const textEdit = { range: edit.range ?? { start, end: start }, newText: edit.newText, annotationId: ANNOTATION };
      const result = await connection.workspace.applyEdit({
        label,
        edit: {
          documentChanges: [
            ...(edit.create ? [{ kind: 'create' as const, uri, options: { ignoreIfExists: false }, annotationId: ANNOTATION }] : []),
            { textDocument: { uri, version: null }, edits: [textEdit] },
          ],
          changeAnnotations: { [ANNOTATION]: { label, needsConfirmation: true, description: 'Proposed by Parley' } },
        },
      });
      return result.applied;
    },
  };
}
