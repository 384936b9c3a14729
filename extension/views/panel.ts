/** The session panel: one per window, revealed if already open, restored after a reload. */
import * as vscode from 'vscode';
import type { HostMessage } from '../../protocol/webview';
import type { Ctx } from '../ctx';
import { bindWebview } from './host';
import { renderHtml, webviewOptions } from './html';

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
    const render = (connectSources: readonly string[] = []) =>
      (panel.webview.html = renderHtml(panel.webview, extensionUri, 'panel', 'Parley Session', connectSources));
    render();
    const binding = bindWebview(panel.webview, ctx, render);
    panel.onDidDispose(() => {
      binding.dispose();
      SessionPanel.current = undefined;
    });
  }

  /** Shows the panel (creating it if needed) and optionally hands it a message, such as toggle listening. */
  static show(extensionUri: vscode.Uri, ctx: Ctx, message?: HostMessage): void {
    if (!SessionPanel.current) {
      const panel = vscode.window.createWebviewPanel(SESSION_VIEW_TYPE, 'Parley Session', vscode.ViewColumn.Beside, {
        ...webviewOptions(extensionUri),
        retainContextWhenHidden: true,
      });
      SessionPanel.current = new SessionPanel(panel, extensionUri, ctx);
    } else {
      SessionPanel.current.panel.reveal();
    }
    if (message) void SessionPanel.current.panel.webview.postMessage(message);
  }

  static serializer(extensionUri: vscode.Uri, ctx: Ctx): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        SessionPanel.current = new SessionPanel(panel, extensionUri, ctx);
      },
    };
  }
}
