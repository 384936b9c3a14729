/**
 * JSON-RPC over a webview's postMessage, for both ends: the extension's relay
 * (extension/views/relay.ts) and the sidebar (webview/rpc.ts). Each JSON-RPC message travels
 * wrapped as `{ type: 'rpc', message }`, so it never mistakes the other webview messages for one.
 * Each end makes the connection with its runtime's build of the library (`/browser` or `/node`),
 * which also installs what the library needs of that runtime.
 */
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageConnection,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver-protocol';
import type { RpcMessage } from './webview';

/** One end of postMessage: send a message, and listen to what the other end sends. */
export interface MessagePort {
  post(message: RpcMessage): void;
  onMessage(listener: (message: unknown) => void): Disposable;
}

function isRpc(message: unknown): message is RpcMessage {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'rpc' && typeof (message as RpcMessage).message === 'object'
  );
}

/** A JSON-RPC connection over `port`, not yet listening: its owner registers its handlers first. */
export function connectPort(port: MessagePort, create: (reader: MessageReader, writer: MessageWriter) => MessageConnection): MessageConnection {
  return create(new PortReader(port), new PortWriter(port));
}

class PortReader extends AbstractMessageReader {
  constructor(private readonly port: MessagePort) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    return this.port.onMessage((message) => {
      if (isRpc(message)) callback(message.message);
    });
  }
}

class PortWriter extends AbstractMessageWriter {
  constructor(private readonly port: MessagePort) {
    super();
  }

  write(message: Message): Promise<void> {
    this.port.post({ type: 'rpc', message });
    return Promise.resolve();
  }

  end(): void {}
}
