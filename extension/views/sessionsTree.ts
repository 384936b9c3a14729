/**
 * The Sessions view: every past session of the workspace, newest first, with its type, title,
 * date, duration and cost. Selecting one goes on in it; its menu exports or deletes it. The list
 * is read again whenever the server says a session changed.
 */
import * as vscode from 'vscode';
import { SESSION_TYPE_LABELS, type SessionSummary, type SessionType } from '../../protocol/session';
import { costText } from '../../webview/format';
import { loadClientLibrary, type Ctx } from '../ctx';

export const SESSIONS_VIEW_ID = 'parley.sessions';

const TYPE_ICONS: Record<SessionType, string> = {
  debugging: 'debug',
  'repo-review': 'checklist',
  coding: 'code',
  'log-analysis': 'graph',
};

/** "4 min", "1 h 12 min"; under a minute, "under a minute". */
export function durationText(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function sessionDate(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What the view and the pickers say of a session besides its title: type · date · duration · cost. */
export function sessionDescription(session: SessionSummary): string {
  const parts = [SESSION_TYPE_LABELS[session.type], sessionDate(session.startedAt), durationText(session.endedAt - session.startedAt)];
  if (session.costUsd !== undefined) parts.push(costText(session.costUsd));
  return parts.join(' · ');
}

export function sessionTitle(session: SessionSummary): string {
  return session.title ?? '(nothing said yet)';
}

export class SessionItem extends vscode.TreeItem {
  constructor(
    readonly session: SessionSummary,
    current: boolean,
  ) {
    super(sessionTitle(session), vscode.TreeItemCollapsibleState.None);
    this.id = session.id;
    this.description = `${current ? 'in progress · ' : ''}${sessionDescription(session)}`;
    this.iconPath = new vscode.ThemeIcon(TYPE_ICONS[session.type]);
    this.contextValue = current ? 'parley.session.current' : 'parley.session';
    this.tooltip = new vscode.MarkdownString(
      [
        `**${SESSION_TYPE_LABELS[session.type]}**${current ? ' (in progress)' : ''}`,
        `Started ${sessionDate(session.startedAt)}, ${durationText(session.endedAt - session.startedAt)}`,
        `${session.turns} turns, ${session.executions} REPL cells`,
        `Cost: ${session.costUsd === undefined ? 'nothing priced' : costText(session.costUsd)}`,
      ].join('\n\n'),
    );
    this.command = { command: 'parley.sessions.open', title: 'Open Session', arguments: [session.id] };
  }
}

export class SessionsTree implements vscode.TreeDataProvider<SessionItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {
    // Turns come in bursts (the user's and the answer); one read of the list serves a burst.
    this.subscriptions = [ctx.onDidChangeSessions(() => this.refreshSoon()), ctx.onDidChangeEndpoint(() => this.refresh())];
  }

  refresh(): void {
    this.changed.fire();
  }

  private refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), 300);
  }

  getTreeItem(item: SessionItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: SessionItem): Promise<SessionItem[]> {
    if (item || !this.ctx.running) return [];
    try {
      const { sessions, current } = await this.ctx.requireClient().sendRequest(loadClientLibrary().SessionsListRequest.type);
      return sessions.map((session) => new SessionItem(session, session.id === current));
    } catch (error) {
      this.ctx.log.warn(`Listing the past sessions: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
