/** Parley: Export Session — the conversation as a Markdown file the user chooses — and the saving every session export shares. */
import * as vscode from 'vscode';
import type { SessionExportFormat } from '../protocol/session';
import type { Ctx } from './ctx';
import { loadClientLibrary } from './ctx';

/** Asks where to save an exported session (a name from its start, in the workspace), writes it and opens it. */
export async function saveSessionExport(content: string, startedAt: number, format: SessionExportFormat): Promise<void> {
  const name = `parley-session-${new Date(startedAt).toISOString().slice(0, 16).replace(/[:T]/g, '-')}.${format}`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: format === 'md' ? { Markdown: ['md'] } : { JSON: ['json'] },
    title: 'Export the Parley session',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(content));
  await vscode.window.showTextDocument(target, { preview: false });
}

export async function exportSessionCommand(ctx: Ctx): Promise<void> {
  const { ExportSessionRequest } = loadClientLibrary();
  const exported = await ctx.requireClient().sendRequest(ExportSessionRequest.type);
  if (exported.turns === 0) {
    void vscode.window.showInformationMessage('Parley: the session has no turns to export yet.');
    return;
  }
  await saveSessionExport(exported.markdown, exported.startedAt, 'md');
}
