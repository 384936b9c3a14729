/** The status bar item, driven by the server's status notification and the client's state. */
import * as vscode from 'vscode';
import { Commands } from '../protocol/commands';
import type { ServerStatus } from '../protocol/status';

const ACTIVITY_ICON = { idle: 'comment-discussion', listening: 'mic-filled', thinking: 'loading~spin', speaking: 'unmute' } as const;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('parley.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Parley';
    this.item.command = Commands.openSession;
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.render('$(loading~spin) Parley', 'Parley server is starting', undefined);
  }

  stopped(reason: string): void {
    this.render('$(circle-slash) Parley', `Parley server stopped: ${reason}`, 'statusBarItem.errorBackground');
  }

  update(status: ServerStatus): void {
    const icon = status.health === 'error' ? 'error' : status.health === 'warning' ? 'warning' : ACTIVITY_ICON[status.activity];
    const background =
      status.health === 'error' ? 'statusBarItem.errorBackground' : status.health === 'warning' ? 'statusBarItem.warningBackground' : undefined;
    this.render(`$(${icon}) Parley`, status.message, background);
  }

  private render(text: string, message: string, background: string | undefined): void {
    this.item.text = text;
    const tooltip = new vscode.MarkdownString(
      `${message}\n\n[Open Session](command:${Commands.openSession}) · [Show Log](command:${Commands.showLog}) · [Restart Server](command:${Commands.restartServer})`,
    );
    tooltip.isTrusted = { enabledCommands: [Commands.openSession, Commands.showLog, Commands.restartServer] };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
