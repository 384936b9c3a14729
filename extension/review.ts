/**
 * Parley: Review Repository: asks the server to review a workspace folder (a cancellable
 * progress notification), then opens the report in the Markdown preview. The findings reach the
 * Problems panel from the server as diagnostics.
 */
import * as vscode from 'vscode';
import { Commands } from '../protocol/commands';
import type { DismissFindingArgs } from '../protocol/fixes';
import type { ReviewResult } from '../protocol/review';
import { loadClientLibrary, type Ctx } from './ctx';
import { withServerProgress } from './progress';

/**
 * Runs a server request that reports work-done progress, shown as a notification with Cancel.
 * The same as the knowledge base commands' (extension/knowledge.ts); both belong in one shared helper.
 */

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  if (folders.length === 0) throw new Error('Open a folder first: Parley reviews the repository of a workspace folder.');
  if (folders.length === 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder should Parley review?' });
}

function outcome(result: ReviewResult): string {
  const { summary } = result;
  const { error, warning, information } = summary.findings;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const counts = `${plural(error, 'error')}, ${plural(warning, 'warning')}, ${information} information`;
  const cached = summary.cached ? ' (unchanged since the last review of this commit)' : '';
  return `Parley reviewed ${summary.files} files: ${counts}${cached}. The findings are in the Problems panel.`;
}

async function openReport(result: ReviewResult): Promise<void> {
  const uri = result.reportPath
    ? vscode.Uri.file(result.reportPath)
    : (await vscode.workspace.openTextDocument({ language: 'markdown', content: result.markdown })).uri;
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}

export async function reviewCommand(ctx: Ctx): Promise<void> {
  const folder = await pickFolder();
  if (!folder) return;
  const { ReviewRequest } = loadClientLibrary();
  let cancelled = false;
  let result: ReviewResult;
  try {
    result = await withServerProgress(ctx, `Parley: reviewing ${folder.name}`, (client, workDoneToken, token) => {
      token.onCancellationRequested(() => (cancelled = true));
      return client.sendRequest(ReviewRequest.type, { folder: folder.uri.fsPath, workDoneToken }, token);
    });
  } catch (error) {
    if (cancelled) return void vscode.window.showInformationMessage('Parley: the review was cancelled.');
    throw error;
  }
  await openReport(result);
  const { llm } = result.summary;
  if (llm.state === 'not-configured') {
    const choice = await vscode.window.showWarningMessage(
      `${outcome(result)} No language model is configured, so the review has the static checks only.`,
      'Set API Key',
      'Open Settings',
    );
    if (choice === 'Set API Key') await vscode.commands.executeCommand(Commands.setApiKey);
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'parley.llm');
  } else if (llm.errors.length > 0) {
    void vscode.window.showWarningMessage(`${outcome(result)} The model could not review ${llm.errors.length} module(s); the report says why.`);
  } else {
    void vscode.window.showInformationMessage(outcome(result));
  }
}

/** The "Dismiss this finding" quick fix on a review finding: it leaves Problems and later reviews of the repository. */
export async function dismissFindingCommand(ctx: Ctx, args?: DismissFindingArgs): Promise<void> {
  if (!args?.id || !args.folder) throw new Error('Dismiss a finding from its quick fixes in the Problems panel, after a review.');
  const { ReviewDismissalsRequest } = loadClientLibrary();
  const client = await ctx.readyClient();
  await client.sendRequest(ReviewDismissalsRequest.type, { action: 'dismiss', folder: args.folder, id: args.id });
  const choice = await vscode.window.showInformationMessage(`Parley: dismissed "${args.title}" for this repository.`, 'Undo');
  if (choice === 'Undo') {
    await client.sendRequest(ReviewDismissalsRequest.type, { action: 'restore', folder: args.folder, ids: [args.id] });
    void vscode.window.showInformationMessage(`Parley: "${args.title}" is back.`);
  }
}

/** Parley: Restore Dismissed Review Findings: pick the dismissed findings of a folder to bring back. */
export async function restoreDismissedCommand(ctx: Ctx): Promise<void> {
  const folder = await pickFolder();
  if (!folder) return;
  const { ReviewDismissalsRequest } = loadClientLibrary();
  const client = await ctx.readyClient();
  const { dismissed } = await client.sendRequest(ReviewDismissalsRequest.type, { action: 'list', folder: folder.uri.fsPath });
  if (dismissed.length === 0) return void vscode.window.showInformationMessage(`Parley: no review findings are dismissed in ${folder.name}.`);
  const picked = await vscode.window.showQuickPick(
    dismissed.map((finding) => ({
      label: finding.title,
      description: finding.file,
      detail: `Dismissed ${new Date(finding.at).toLocaleString()}`,
      id: finding.id,
    })),
    { canPickMany: true, placeHolder: `Which of the ${dismissed.length} dismissed findings should come back?` },
  );
  if (!picked?.length) return;
  const { changed } = await client.sendRequest(ReviewDismissalsRequest.type, {
    action: 'restore',
    folder: folder.uri.fsPath,
    ids: picked.map((item) => item.id),
  });
  void vscode.window.showInformationMessage(`Parley: ${changed} finding${changed === 1 ? ' is' : 's are'} back in the Problems panel and in the next review.`);
}
