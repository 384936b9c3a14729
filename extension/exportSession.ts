/** Parley: Export Session — the conversation as a Markdown file the user chooses. */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { loadClientLibrary } from './ctx';

export async function exportSessionCommand(ctx: Ctx): Promise<void> {
  const { ExportSessionRequest } = loadClientLibrary();
  const exported = await ctx.requireClient().sendRequest(ExportSessionRequest.type);
  if (exported.turns === 0) {
    void vscode.window.showInformationMessage('Parley: the session has no turns to export yet.');
    return;
  }
  const name = `parley-session-${new Date(exported.startedAt).toISOString().slice(0, 16).replace(/[:T]/g, '-')}.md`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: { Markdown: ['md'] },
    title: 'Export the Parley session',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(exported.markdown));
  await vscode.window.showTextDocument(target, { preview: false });
}
