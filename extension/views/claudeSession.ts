/**
 * The view of one analysed Claude Code session: its figures, charts and tables. It needs no
 * server: the analysis is handed over whole when the webview is ready. One panel per transcript.
 */
import * as vscode from 'vscode';
import { Commands } from '../../protocol/commands';
import type { ClaudeSessionAnalysis } from '../../protocol/logs';
import { ViewMessageSchema } from '../../protocol/webview';
import { renderHtml, webviewOptions } from './html';

export const CLAUDE_SESSION_VIEW_TYPE = 'parley.claudeSession';

export class ClaudeSessionPanel {
  private static readonly open = new Map<string, vscode.WebviewPanel>();

  static show(extensionUri: vscode.Uri, analysis: ClaudeSessionAnalysis): void {
    const file = analysis.session.file;
    ClaudeSessionPanel.open.get(file)?.dispose();
    const title = `Claude Code: ${analysis.session.firstPrompt?.slice(0, 40) ?? analysis.session.id}`;
    const panel = vscode.window.createWebviewPanel(CLAUDE_SESSION_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      ...webviewOptions(extensionUri),
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'parley.svg');
    ClaudeSessionPanel.open.set(file, panel);
    const listener = panel.webview.onDidReceiveMessage((raw: unknown) => {
      const message = ViewMessageSchema.safeParse(raw).data;
      if (message?.type === 'ready') void panel.webview.postMessage({ type: 'claudeSessionAnalysis', analysis });
      // The transcript is the one this view shows: the webview names no file.
      if (message?.type === 'discussTranscript') void vscode.commands.executeCommand(Commands.newSession, 'log-analysis', file);
    });
    panel.onDidDispose(() => {
      listener.dispose();
      if (ClaudeSessionPanel.open.get(file) === panel) ClaudeSessionPanel.open.delete(file);
    });
    panel.webview.html = renderHtml(panel.webview, extensionUri, 'claude-session', title);
  }
}
