/**
 * A teammate's note from the team hub, read in a read-only editor at
 * `parley-team:/<document id>/<path on the hub>`. The text is asked of the hub (through the
 * server, which holds the token) whenever VS Code opens the document, so a note that was made
 * private or removed meanwhile is not shown again.
 */
import * as vscode from 'vscode';
import { loadClientLibrary, type Ctx } from './ctx';

export const TEAM_NOTE_SCHEME = 'parley-team';

export function teamNoteUri(documentId: number, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: TEAM_NOTE_SCHEME, path: `/${documentId}/${path}` });
}

function documentIdOf(uri: vscode.Uri): number {
  const id = Number(/^\/(\d+)\//.exec(uri.path)?.[1]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`${uri.toString()} names no team hub note.`);
  return id;
}

export class TeamNotes implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const { KbTeamDocumentRequest } = loadClientLibrary();
    const client = await this.ctx.readyClient();
    const note = await client.sendRequest(KbTeamDocumentRequest.type, { documentId: documentIdOf(uri) }, token);
    return note.content;
  }
}

/** Opens a team hub note at a line; what stops it (the hub down, the note gone) is said, with the log. */
export async function openTeamNote(ctx: Ctx, documentId: number, path: string, line: number): Promise<void> {
  try {
    const document = await vscode.workspace.openTextDocument(teamNoteUri(documentId, path));
    const position = new vscode.Position(Math.min(Math.max(0, line), Math.max(0, document.lineCount - 1)), 0);
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
  } catch (error) {
    const message = `could not open ${path} from the team hub: ${error instanceof Error ? error.message : String(error)}`;
    ctx.log.error(message);
    const choice = await vscode.window.showErrorMessage(`Parley: ${message}`, 'Open Log');
    if (choice === 'Open Log') ctx.log.show();
  }
}
