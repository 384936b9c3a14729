/** The Knowledge Base view in Parley's activity-bar container. */
import * as vscode from 'vscode';
import { loadClientLibrary, type Ctx } from '../ctx';
import { bindWebview } from './host';
import { renderHtml, webviewOptions } from './html';

export const KNOWLEDGE_VIEW_ID = 'parley.knowledgeBase';

export class KnowledgeBaseView implements vscode.WebviewViewProvider {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = webviewOptions(this.extensionUri);
    const render = (connectSources: readonly string[] = []) =>
      (view.webview.html = renderHtml(view.webview, this.extensionUri, 'sidebar', 'Parley Knowledge Base', connectSources));
    render();
    const binding = bindWebview(view.webview, this.ctx, render);
    // The sidebar's knowledge-base requests go to the server over LSP, through this relay.
    const relay = loadClientLibrary().relaySidebar(view.webview, {
      client: () => this.ctx.readyClient(),
      onStats: (listener) => this.ctx.onDidChangeKbStats(listener),
    });
    view.onDidDispose(() => {
      relay.dispose();
      binding.dispose();
    });
  }
}
