/**
 * The Knowledge Base sidebar's line to the server. The sidebar speaks JSON-RPC with the
 * extension over postMessage, with the very request types the extension sends the server
 * (protocol/lsp.ts); this relay forwards the few it may make to the language client and hands the
 * server's figures back. One protocol end to end: ids are matched by vscode-jsonrpc on both hops,
 * and a search the sidebar cancels is cancelled in the server too.
 *
 * Built into dist/lspClient.js with the client library (it needs no 'vscode'), so plain Node tests
 * drive it against the real server.
 */
import {
  CancellationTokenSource,
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type Disposable,
} from 'vscode-languageserver-protocol/node';
import type { KbStats } from '../../protocol/knowledge';
import {
  KbAddTagRequest,
  KbCorrectRequest,
  KbDocumentVisibilityRequest,
  KbSearchRequest,
  KbStatsNotification,
  KbStatsRequest,
  KbVoteRequest,
} from '../../protocol/lsp';
import type { RpcMessage } from '../../protocol/webview';
import { connectPort } from '../../protocol/rpcPort';

/** The only requests a webview may have the extension make of the server. */
export const SIDEBAR_REQUESTS: readonly string[] = [
  KbSearchRequest.method,
  KbVoteRequest.method,
  KbCorrectRequest.method,
  KbAddTagRequest.method,
  KbDocumentVisibilityRequest.method,
  KbStatsRequest.method,
];

/** What the relay needs of the language client: a request, once the server is up. */
export interface RelayServer {
  client(): Promise<{ sendRequest(method: string, ...params: unknown[]): Promise<unknown> }>;
  /** The server's knowledge-base figures, as it sends them. */
  onStats(listener: (stats: KbStats) => void): Disposable;
}

/** A webview as the relay sees it (vscode.Webview fits). */
export interface RelayWebview {
  postMessage(message: RpcMessage): Thenable<boolean>;
  onDidReceiveMessage(listener: (message: unknown) => void): Disposable;
}

export function relaySidebar(webview: RelayWebview, server: RelayServer): Disposable {
  const connection = connectPort(
    { post: (message) => void webview.postMessage(message), onMessage: (listener) => webview.onDidReceiveMessage(listener) },
    createMessageConnection,
  );
  // Requests in flight, cancelled when the view goes away (vscode-jsonrpc drops them silently).
  const inFlight = new Set<CancellationTokenSource>();
  connection.onRequest((method: string, params: unknown, token: CancellationToken) => {
    if (!SIDEBAR_REQUESTS.includes(method)) throw new ResponseError(ErrorCodes.MethodNotFound, `The sidebar may not call ${method}.`);
    const source = new CancellationTokenSource();
    inFlight.add(source);
    const linked = token.onCancellationRequested(() => source.cancel());
    return forward(server, method, params, source.token).finally(() => {
      linked.dispose();
      inFlight.delete(source);
      source.dispose();
    });
  });
  const stats = server.onStats((figures) => void connection.sendNotification(KbStatsNotification.type, figures));
  connection.listen();
  return {
    dispose: () => {
      stats.dispose();
      for (const source of inFlight) source.cancel();
      connection.dispose();
    },
  };
}

async function forward(server: RelayServer, method: string, params: unknown, token: CancellationToken): Promise<unknown> {
  try {
    const client = await server.client();
    // A request without parameters goes on without them: a null would take the token's place.
    return await (params === undefined || params === null ? client.sendRequest(method, token) : client.sendRequest(method, params, token));
  } catch (error) {
    // The server's own errors keep their code; the client's (not running, still starting) say why.
    if (error instanceof ResponseError) throw error;
    throw new ResponseError(ErrorCodes.InternalError, error instanceof Error ? error.message : String(error));
  }
}
