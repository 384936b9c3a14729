/** Messages between the extension host and its webviews (postMessage), typed once. */
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
  | { type: 'ask'; text: string };

/** Webview → extension. */
export type ViewMessage =
  | { type: 'ready' }
  | { type: 'runCommand'; command: ViewCommand }
  /** Open a knowledge-base note at a line (a search result's heading). */
  | { type: 'openNote'; path: string; line: number };

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
