/**
 * The editor side of the tools' context, over the LSP connection: the editor state from the
 * extension, `window/showDocument` to open a location, and `workspace/applyEdit` with a change
 * annotation that needs confirmation, so VS Code shows the edit as a preview for the user to accept.
 */
import { pathToFileURL } from 'node:url';
import type { Connection } from 'vscode-languageserver/node';
import { EditorStateRequest, type EditorState, type TextRange } from '../../protocol/lsp';
import { EditorStateSchema } from '../../protocol/params';
import type { WorkspaceFolders } from './confine';
import type { ToolContext } from './types';

const ANNOTATION = 'parley.proposedEdit';

export function lspToolContext(connection: Connection, folders: WorkspaceFolders): ToolContext {
  return {
    folders,
    editorState: () => requestEditorState(connection),
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

/**
 * Asks the extension what the user has on screen and reads the answer with its schema; an answer
 * of another shape is an error that names the field, not a guess the tools would build on.
 */
export async function requestEditorState(connection: Pick<Connection, 'sendRequest'>): Promise<EditorState> {
  const parsed = EditorStateSchema.safeParse(await connection.sendRequest(EditorStateRequest.type));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `The editor sent an editor state Parley cannot read (${issue?.path.join('.') || 'the whole state'}: ${issue?.message ?? 'unknown shape'}). Reload the window; if it happens again, report it with the log (Parley: Show Log).`,
  );
}
