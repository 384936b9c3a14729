/**
 * The Knowledge Base sidebar's line to a server, as in VS Code: a JSON-RPC connection over the
 * sidebar's port (protocol/rpcPort.ts, as webview/rpc.ts makes it, with the Node build of the
 * library) talks over a stand-in for postMessage to the extension's relay
 * (extension/views/relay.ts), which forwards to `server`. Messages are cloned on the way, as
 * postMessage clones them.
 */
import { EventEmitter } from 'node:events';
import { createMessageConnection, type MessageConnection } from 'vscode-languageserver-protocol/node';
import { relaySidebar, type RelayServer } from '../../extension/views/relay';
import { KbStatsNotification } from '../../protocol/lsp';
import { connectPort } from '../../protocol/rpcPort';
import type { HostMessage, ViewMessage } from '../../protocol/webview';
import type { TestServer } from './server';

export interface Sidebar {
  rpc: MessageConnection;
  /** Closes the view: the relay goes away. */
  dispose(): void;
}

function channel<T>() {
  const events = new EventEmitter();
  return {
    post: (message: T) => queueMicrotask(() => events.emit('message', structuredClone(message))),
    on: (listener: (message: T) => void) => {
      events.on('message', listener);
      return { dispose: () => events.off('message', listener) };
    },
  };
}

export function connectSidebar(server: RelayServer): Sidebar {
  const toView = channel<HostMessage>();
  const toHost = channel<ViewMessage>();
  const relay = relaySidebar(
    {
      postMessage: (message) => {
        toView.post(message);
        return Promise.resolve(true);
      },
      onDidReceiveMessage: toHost.on,
    },
    server,
  );
  const rpc = connectPort({ post: toHost.post, onMessage: toView.on }, createMessageConnection);
  rpc.listen();
  return {
    rpc,
    dispose: () => {
      relay.dispose();
      rpc.dispose();
    },
  };
}

/** The sidebar of a window whose extension runs `server`. */
export function sidebarOf(server: TestServer): Sidebar {
  return connectSidebar({
    client: () => Promise.resolve(server.connection),
    onStats: (listener) => server.connection.onNotification(KbStatsNotification.type, listener),
  });
}
