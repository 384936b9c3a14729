/**
 * Messages between the extension host and its webviews (postMessage), typed once; what a webview
 * sends is declared as a schema, which the extension parses it with (extension/views/host.ts).
 * The webviews read what the extension sends with HostMessageSchema (zod's mini build).
 */
import type { Message } from 'vscode-languageserver-protocol';
import * as z from 'zod/mini';
import { Commands } from './commands';
import type { ClaudeSessionAnalysis } from './logs';

export type ViewKind = 'panel' | 'sidebar' | 'claude-session';

/**
 * What the panel listens through (extension/captureChoice.ts decides). `webview`: its own
 * microphone; `native`: the server records the system microphone; `browser`: the extension opened
 * the browser capture page, where the user talks; `none`: nothing can listen, and `notice` says why.
 * A `notice` with `webview` or `native` says why that one was chosen (a fallback).
 */
export const CaptureChoiceSchema = z.union([
  z.object({ start: z.enum(['webview', 'native']), notice: z.optional(z.string()) }),
  z.object({ start: z.enum(['browser', 'none']), notice: z.string() }),
]);
export type CaptureChoice = z.output<typeof CaptureChoiceSchema>;

/**
 * Both ways, in the sidebar: a JSON-RPC message of the knowledge-base requests (protocol/lsp.ts),
 * which the extension forwards to the server (extension/views/relay.ts, protocol/rpcPort.ts).
 * The JSON-RPC library reads the message itself.
 */
const RpcMessageSchema = z.object({ type: z.literal('rpc'), message: z.custom<Message>((message) => typeof message === 'object' && message !== null) });
export type RpcMessage = z.output<typeof RpcMessageSchema>;

/** Extension → webview; the webviews read each message with it (webview/vscodeApi.ts). */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connect'), endpoint: z.object({ url: z.string(), token: z.string() }) }),
  z.object({ type: z.literal('serverStopped'), reason: z.string() }),
  /** The toggle-listening command (keybinding): start or stop the microphone. */
  z.object({ type: z.literal('toggleListening') }),
  /** A question from the editor (Explain with Parley), sent as a typed turn once the panel is connected. */
  z.object({ type: z.literal('ask'), text: z.string() }),
  /** The answer to `chooseCapture`: what to listen through. */
  z.object({ type: z.literal('captureChoice'), choice: CaptureChoiceSchema }),
  /** The analysis the Claude Code session view shows (the server made it; the extension passes it on whole). */
  z.object({
    type: z.literal('claudeSessionAnalysis'),
    analysis: z.custom<ClaudeSessionAnalysis>((value) => typeof value === 'object' && value !== null && 'session' in value && 'timeline' in value),
  }),
  RpcMessageSchema,
]);
export type HostMessage = z.output<typeof HostMessageSchema>;

/** The only commands a webview may ask the extension to run. */
export const VIEW_COMMANDS = [
  Commands.setApiKey,
  Commands.showLog,
  Commands.restartServer,
  Commands.openSession,
  Commands.openCapturePage,
  Commands.downloadSpeechModel,
  Commands.kbAddFolder,
  Commands.kbAddFile,
  Commands.kbAddSelection,
  Commands.kbSync,
  Commands.kbStats,
  Commands.kbContributions,
  Commands.connectHub,
] as const;
export type ViewCommand = (typeof VIEW_COMMANDS)[number];

/** Webview → extension. */
export const ViewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('runCommand'), command: z.enum(VIEW_COMMANDS) }),
  /**
   * Open a knowledge-base note at a line (a search result's heading). `teamDocument`: the note is
   * on the team hub, under this id, and `path` is its path there; it opens read-only.
   */
  z.object({
    type: z.literal('openNote'),
    path: z.string(),
    line: z.number().check(z.int(), z.minimum(0)),
    teamDocument: z.optional(z.number().check(z.int(), z.positive())),
  }),
  /**
   * The user asked to listen: which microphone? `webviewFailed`: the panel's own microphone, which
   * the last choice named, did not start (the browser's reason); the extension chooses again.
   */
  z.object({ type: z.literal('chooseCapture'), webviewFailed: z.catch(z.optional(z.string()), undefined) }),
  /** From the view of an analysed Claude Code session: talk it through in a Log Analysis session. */
  z.object({ type: z.literal('discussTranscript') }),
  RpcMessageSchema,
]);
export type ViewMessage = z.output<typeof ViewMessageSchema>;
