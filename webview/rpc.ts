/** The sidebar's JSON-RPC connection to the extension, which forwards its requests to the server over LSP. */
import { createMessageConnection, type MessageConnection } from 'vscode-languageserver-protocol/browser';
import { connectPort } from '../protocol/rpcPort';
import type { Host } from './vscodeApi';

export function connectRpc(host: Host<unknown>): MessageConnection {
  const connection = connectPort({ post: (message) => host.postMessage(message), onMessage: (listener) => host.onMessage(listener) }, createMessageConnection);
  connection.listen();
  return connection;
}
