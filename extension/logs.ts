/**
 * Parley: Analyze Claude Code Session: picks a session from those Claude Code keeps on this
 * machine (or any transcript file), has the server analyse it (a cancellable progress
 * notification) and opens the analysis with its charts.
 */
import * as vscode from 'vscode';
import { formatBytes, type ClaudeSessionEntry } from '../protocol/logs';
import { loadClientLibrary, type Ctx } from './ctx';
import { withServerProgress } from './progress';
import { ClaudeSessionPanel } from './views/claudeSession';

type Pick = vscode.QuickPickItem & { file?: string };

function sessionItem(entry: ClaudeSessionEntry): Pick {
  const when = new Date(entry.modifiedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    label: entry.firstPrompt ?? '(no prompt)',
    description: `${entry.project} · ${when} · ${formatBytes(entry.bytes)}`,
    detail: entry.file,
    file: entry.file,
  };
}

async function chooseTranscript(ctx: Ctx): Promise<string | undefined> {
  const { LogsListRequest } = loadClientLibrary();
  const client = await ctx.readyClient();
  let sessions: ClaudeSessionEntry[] = [];
  let problem: string | undefined;
  try {
    sessions = await client.sendRequest(LogsListRequest.type, {});
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  const browse: Pick = { label: '$(folder-opened) Choose a transcript file…', alwaysShow: true };
  const placeHolder =
    problem ?? (sessions.length === 0 ? 'No Claude Code sessions found; choose a transcript file' : 'Which Claude Code session? (newest first)');
  const picked = await vscode.window.showQuickPick<Pick>([...sessions.map(sessionItem), browse], {
    placeHolder,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.file) return picked.file;
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Claude Code transcripts': ['jsonl'] }, openLabel: 'Analyze' })) ?? [];
  return uri?.fsPath;
}

export async function analyzeClaudeSessionCommand(extensionUri: vscode.Uri, ctx: Ctx): Promise<void> {
  const file = await chooseTranscript(ctx);
  if (!file) return;
  const { LogsAnalyzeRequest } = loadClientLibrary();
  let cancelled = false;
  try {
    const analysis = await withServerProgress(ctx, 'Parley: analysing the Claude Code session', (client, workDoneToken, token) => {
      token.onCancellationRequested(() => (cancelled = true));
      return client.sendRequest(LogsAnalyzeRequest.type, { file, workDoneToken }, token);
    });
    ClaudeSessionPanel.show(extensionUri, analysis);
    if (analysis.skippedLines > 0) {
      const tail = analysis.truncatedTail ? ' The last line was cut off: Claude Code may still be writing this session.' : '';
      void vscode.window.showWarningMessage(`Parley: ${analysis.skippedLines} lines of the transcript were not records and were skipped.${tail}`);
    }
  } catch (error) {
    if (cancelled) return void vscode.window.showInformationMessage('Parley: the analysis was cancelled.');
    throw error;
  }
}
