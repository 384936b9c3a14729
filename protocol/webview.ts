/**
 * Messages between the extension host and its webviews (postMessage), typed once; what a webview
 * sends is declared as a schema, which the extension parses it with (extension/views/host.ts).
 * The webviews import only types from here, so they bundle no zod.
 */
import type { Message } from 'vscode-languageserver-protocol';
import * as z from 'zod/mini';
import { Commands } from './commands';
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

/** Webview → extension. */
export const ViewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('runCommand'), command: z.enum(VIEW_COMMANDS) }),
  /** Open a knowledge-base note at a line (a search result's heading). */
  z.object({ type: z.literal('openNote'), path: z.string(), line: z.number().check(z.int(), z.minimum(0)) }),
  /**
   * The user asked to listen: which microphone? `webviewFailed`: the panel's own microphone, which
   * the last choice named, did not start (the browser's reason); the extension chooses again.
   */
  z.object({ type: z.literal('chooseCapture'), webviewFailed: z.catch(z.optional(z.string()), undefined) }),
  /** The JSON-RPC library of relay.ts reads the message itself. */
  z.object({ type: z.literal('rpc'), message: z.custom<Message>((message) => typeof message === 'object' && message !== null) }),
]);
export type ViewMessage = z.output<typeof ViewMessageSchema>;
