/**
 * Parley: New Session: asks what the session is for, starts it on the server (the conversation
 * goes on in it) and shows the session panel. A log-analysis session from a Claude Code session's
 * view starts from that transcript, which the server analyses for the model. And the past
 * sessions: open one to read or go on in it, search them all, export one, delete one.
 */
import * as vscode from 'vscode';
import { SESSION_TYPES, SESSION_TYPE_LABELS, type SessionType } from '../protocol/session';
import { loadClientLibrary, type Ctx } from './ctx';
import { saveSessionExport } from './exportSession';
import { SessionPanel } from './views/panel';
import { SessionItem, sessionDate, sessionDescription, sessionTitle } from './views/sessionsTree';

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

type SessionPick = vscode.QuickPickItem & { id: string };

/** The session a command acts on: the view's item, an id, or one the user picks. */
async function sessionArgument(ctx: Ctx, argument: SessionItem | string | undefined, placeHolder: string): Promise<string | undefined> {
  if (argument instanceof SessionItem) return argument.session.id;
  if (typeof argument === 'string') return argument;
  const client = await ctx.readyClient();
  const { sessions, current } = await client.sendRequest(loadClientLibrary().SessionsListRequest.type);
  if (sessions.length === 0) {
    void vscode.window.showInformationMessage('Parley: there are no sessions yet; Parley: New Session starts one.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick<SessionPick>(
    sessions.map((session) => ({
      label: sessionTitle(session),
      description: `${session.id === current ? 'in progress · ' : ''}${sessionDescription(session)}`,
      id: session.id,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.id;
}

/** Parley: Open Past Session: the conversation goes on in it, and the panel shows it. */
export async function openPastSessionCommand(extensionUri: vscode.Uri, ctx: Ctx, argument?: SessionItem | string): Promise<void> {
  const id = await sessionArgument(ctx, argument, 'Which session? (newest first)');
  if (!id) return;
  await ctx.requireClient().sendRequest(loadClientLibrary().SessionsOpenRequest.type, { id });
  SessionPanel.show(extensionUri, ctx);
}

type HitPick = vscode.QuickPickItem & { sessionId?: string };

/**
 * Parley: Search Past Sessions: the turns, tool calls and REPL cells of every session that hold
 * all the words typed, best first, searched as the user types; picking one opens its session.
 */
export async function searchSessionsCommand(extensionUri: vscode.Uri, ctx: Ctx): Promise<void> {
  const client = await ctx.readyClient();
  const { SessionsListRequest, SessionsSearchRequest } = loadClientLibrary();
  const { sessions } = await client.sendRequest(SessionsListRequest.type);
  const byId = new Map(sessions.map((session) => [session.id, session]));
  const pick = vscode.window.createQuickPick<HitPick>();
  pick.placeholder = 'Search every past session: what was said, the tools it used, the REPL cells it ran';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let asked = 0;
  let timer: NodeJS.Timeout | undefined;
  const search = async (text: string, ticket: number) => {
    pick.busy = true;
    try {
      const hits = await client.sendRequest(SessionsSearchRequest.type, { text, limit: 50 });
      if (ticket !== asked) return;
      pick.items =
        hits.length === 0
          ? [{ label: `Nothing in past sessions holds all of "${text}"`, alwaysShow: true }]
          : hits.map((hit) => {
              const session = byId.get(hit.sessionId);
              return {
                label: hit.snippet.replace(/[«»]/g, ''),
                description: session ? `${sessionTitle(session)} · ${sessionDescription(session)}` : hit.sessionId,
                detail: `${hit.kind === 'execution' ? 'REPL cell' : hit.role === 'user' ? 'You' : 'Parley'} · ${sessionDate(hit.createdAt)}`,
                alwaysShow: true,
                sessionId: hit.sessionId,
              };
            });
    } catch (error) {
      if (ticket === asked) pick.items = [{ label: `The search failed: ${error instanceof Error ? error.message : String(error)}`, alwaysShow: true }];
    } finally {
      if (ticket === asked) pick.busy = false;
    }
  };
  pick.onDidChangeValue((text) => {
    clearTimeout(timer);
    const ticket = ++asked;
    if (!text.trim()) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    timer = setTimeout(() => void search(text, ticket), 150);
  });
  const chosen = await new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => {
      const sessionId = pick.selectedItems[0]?.sessionId;
      if (sessionId) {
        resolve(sessionId);
        pick.hide();
      }
    });
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  clearTimeout(timer);
  pick.dispose();
  if (chosen) await openPastSessionCommand(extensionUri, ctx, chosen);
}

/** Parley: Export Past Session: Markdown to read, or the JSON `parley sessions import` reads back. */
export async function exportPastSessionCommand(ctx: Ctx, argument?: SessionItem | string): Promise<void> {
  const id = await sessionArgument(ctx, argument, 'Which session to export?');
  if (!id) return;
  const format = await vscode.window.showQuickPick(
    [
      { label: 'Markdown', description: 'to read or share', format: 'md' as const },
      { label: 'JSON', description: 'the documented shape `parley sessions import` reads back', format: 'json' as const },
    ],
    { placeHolder: 'Export as' },
  );
  if (!format) return;
  const exported = await ctx.requireClient().sendRequest(loadClientLibrary().SessionsExportRequest.type, { id, format: format.format });
  await saveSessionExport(`${exported.content}\n`, exported.startedAt, format.format);
}

/** Parley: Delete Past Session, after a modal confirmation; the session in progress is refused by the server. */
export async function deletePastSessionCommand(ctx: Ctx, argument?: SessionItem | string): Promise<void> {
  const id = await sessionArgument(ctx, argument, 'Which session to delete?');
  if (!id) return;
  const title = argument instanceof SessionItem ? `"${sessionTitle(argument.session)}"` : 'this session';
  const confirmed = await vscode.window.showWarningMessage(`Delete ${title} with its turns and REPL cells? This cannot be undone.`, { modal: true }, 'Delete');
  if (confirmed !== 'Delete') return;
  await ctx.requireClient().sendRequest(loadClientLibrary().SessionsDeleteRequest.type, { id });
  void vscode.window.showInformationMessage('Parley: the session was deleted.');
}
