/** The session panel: one per window, revealed if already open, restored after a reload. */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { bindWebview } from './host';
import { liveConnectSources, renderHtml, webviewOptions } from './html';

export const SESSION_VIEW_TYPE = 'parley.session';

export class SessionPanel {
  private static current: SessionPanel | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    ctx: Ctx,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'parley.svg');
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = renderHtml(panel.webview, extensionUri, 'panel', 'Parley Session', liveConnectSources([]));
    const binding = bindWebview(panel.webview, ctx);
    panel.onDidDispose(() => {
      binding.dispose();
      SessionPanel.current = undefined;
    });
  }

  static show(extensionUri: vscode.Uri, ctx: Ctx): void {
    if (SessionPanel.current) {
      SessionPanel.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(SESSION_VIEW_TYPE, 'Parley Session', vscode.ViewColumn.Beside, { ...webviewOptions(extensionUri), retainContextWhenHidden: true });
    SessionPanel.current = new SessionPanel(panel, extensionUri, ctx);
  }

  static serializer(extensionUri: vscode.Uri, ctx: Ctx): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        SessionPanel.current = new SessionPanel(panel, extensionUri, ctx);
      },
    };
  }
}
