/** Messages between the extension host and its webviews (postMessage), typed once. */
import { Commands } from './commands';
import type { Message } from 'vscode-languageserver-protocol';
import type { LiveEndpoint } from './lsp';

export type ViewKind = 'panel' | 'sidebar';

/** Extension → webview. */
export type HostMessage =
  | { type: 'connect'; endpoint: LiveEndpoint }
  | { type: 'serverStopped'; reason: string }
  /** The toggle-listening command (keybinding): start or stop the microphone. */
  | { type: 'toggleListening' }
  /** A question from the editor (Explain with Parley), sent as a typed turn once the panel is connected. */
  | { type: 'ask'; text: string }
  /** The answer to `chooseCapture`: what to listen through. */
  | { type: 'captureChoice'; choice: CaptureChoice }
  | RpcMessage;

/** Webview → extension. */
export type ViewMessage =
  | { type: 'ready' }
  | { type: 'runCommand'; command: ViewCommand }
  /** Open a knowledge-base note at a line (a search result's heading). */
  | { type: 'openNote'; path: string; line: number }
  /**
   * The user asked to listen: which microphone? `webviewFailed`: the panel's own microphone, which
   * the last choice named, did not start (the browser's reason); the extension chooses again.
   */
  | { type: 'chooseCapture'; webviewFailed?: string }
  | RpcMessage;

/**
 * What the panel listens through (extension/captureChoice.ts decides). `webview`: its own
 * microphone; `native`: the server records the system microphone; `browser`: the extension opened
 * the browser capture page, where the user talks; `none`: nothing can listen, and `notice` says why.
 * A `notice` with `webview` or `native` says why that one was chosen (a fallback).
 */
export type CaptureChoice = { start: 'webview' | 'native'; notice?: string } | { start: 'browser' | 'none'; notice: string };

/**
 * Both ways, in the sidebar: a JSON-RPC message of the knowledge-base requests (protocol/lsp.ts),
 * which the extension forwards to the server (extension/views/relay.ts, protocol/rpcPort.ts).
 */
export type RpcMessage = { type: 'rpc'; message: Message };

/** The only commands a webview may ask the extension to run. */
export const VIEW_COMMANDS = [
  Commands.setApiKey,
  Commands.showLog,
  Commands.restartServer,
  Commands.openSession,
  Commands.openCapturePage,
  Commands.kbAddFolder,
  Commands.kbAddFile,
  Commands.kbAddSelection,
  Commands.kbSync,
  Commands.kbStats,
  Commands.kbContributions,
] as const;
export type ViewCommand = (typeof VIEW_COMMANDS)[number];
