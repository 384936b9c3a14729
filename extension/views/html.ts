/**
 * The HTML shell shared by Parley's webviews: strict CSP with a per-render nonce, only the built
 * assets as local resources, theme colors from --vscode-* variables, codicons.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ViewKind } from '../../protocol/webview';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'dist', 'codicons'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

/** Where the live WebSocket is: the server's loopback port, which changes with every restart. */
const LIVE_CONNECT_SOURCE = 'ws://127.0.0.1:*';

/** `connectSources`: the live endpoint's external origins when the window is remote (see host.ts). */
export function renderHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: ViewKind, title: string, connectSources: readonly string[] = []): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    // data: for the figures a REPL cell draws, which come as PNG data over the live connection.
    `img-src ${webview.cspSource} data:`,
    // The extension's own resources too: the microphone's AudioWorklet module loads by URL.
    `script-src 'nonce-${nonce}' ${webview.cspSource}`,
    `media-src ${webview.cspSource} blob:`,
    `connect-src ${[LIVE_CONNECT_SOURCE, ...connectSources].join(' ')}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset('dist', 'codicons', 'codicon.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${asset('media', 'parley.css')}">
<title>${title}</title>
</head>
<body class="parley-${kind}" data-worklet="${asset('dist', 'webview', 'worklet.js')}">
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" src="${asset('dist', 'webview', `${kind}.js`)}"></script>
</body>
</html>`;
}
