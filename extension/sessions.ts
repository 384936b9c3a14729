/**
 * Parley: New Session: asks what the session is for, starts it on the server (the conversation
 * goes on in it) and shows the session panel. A log-analysis session from a Claude Code session's
 * view starts from that transcript, which the server analyses for the model.
 */
import * as vscode from 'vscode';
import { SESSION_TYPES, SESSION_TYPE_LABELS, type SessionType } from '../protocol/session';
import { loadClientLibrary, type Ctx } from './ctx';
import { SessionPanel } from './views/panel';

const DESCRIPTIONS: Record<SessionType, string> = {
  debugging: 'problems, failing tasks and the active file first',
  'repo-review': 'the review findings and the repository map first',
  coding: 'open editors and recent edits',
  'log-analysis': 'a Claude Code transcript, analysed, in front',
};

async function chooseType(): Promise<SessionType | undefined> {
  const picked = await vscode.window.showQuickPick(
    SESSION_TYPES.map((type) => ({ label: SESSION_TYPE_LABELS[type], description: DESCRIPTIONS[type], type })),
    { placeHolder: 'What is this session for?' },
  );
  return picked?.type;
}

/** `type` and `transcript` come from a caller that knows them (the Claude Code session view); otherwise the user picks. */
export async function newSessionCommand(extensionUri: vscode.Uri, ctx: Ctx, type?: SessionType, transcript?: string): Promise<void> {
  const chosen = type ?? (await chooseType());
  if (!chosen) return;
  if (chosen === 'log-analysis' && !transcript) {
    // A log analysis needs its transcript: the analysis command picks one, then offers this session.
    await vscode.commands.executeCommand('parley.logs.analyzeClaudeSession');
    return;
  }
  const client = await ctx.readyClient();
  const session = await client.sendRequest(loadClientLibrary().NewSessionRequest.type, { type: chosen, ...(transcript ? { transcript } : {}) });
  SessionPanel.show(extensionUri, ctx);
  void vscode.window.showInformationMessage(`Parley: a new ${SESSION_TYPE_LABELS[session.type]} session started.`);
}
