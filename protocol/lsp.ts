/**
 * Every custom LSP message between the extension and the server, declared once.
 * Standard LSP carries what LSP already has; these carry the rest.
 */
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';
import type { ServerStatus, StatusReport } from './status';

/** What the extension passes in `initialize`; the server creates these folders if missing. */
export interface InitializationOptions {
  globalStoragePath: string;
  workspaceStoragePath: string;
  extensionVersion: string;
}

/** Where a webview reaches the live WebSocket. The token is per server launch, not a provider key. */
export interface LiveEndpoint {
  url: string;
  token: string;
}

/** Client → server: versions, storage and provider configuration (never keys). */
export namespace StatusRequest {
  export const method = 'parley/status';
  export const type = new RequestType0<StatusReport, void>(method);
}

/** Client → server: the address and token of the live WebSocket for the webviews. */
export namespace LiveEndpointRequest {
  export const method = 'parley/liveEndpoint';
  export const type = new RequestType0<LiveEndpoint, void>(method);
}

/** Server → client: the server's health and activity changed. */
export namespace ServerStatusNotification {
  export const method = 'parley/serverStatus';
  export const type = new NotificationType<ServerStatus>(method);
}

export interface Position {
  line: number;
  character: number;
}

export interface TextRange {
  start: Position;
  end: Position;
}

export type DiagnosticSeverityName = 'error' | 'warning' | 'information' | 'hint';

export interface WorkspaceDiagnostic {
  path: string;
  range: TextRange;
  severity: DiagnosticSeverityName;
  message: string;
  source?: string;
  code?: string;
}

/** What the user has on screen, as the extension sees it. Texts are capped by the extension. */
export interface EditorState {
  workspaceFolders: string[];
  activeEditor?: {
    path: string;
    languageId: string;
    lineCount: number;
    selection: TextRange;
    selectedText: string;
    visibleRange: TextRange;
    visibleText: string;
  };
  openFiles: string[];
  /** Diagnostics of every source (language servers, linters, tasks), errors first. */
  diagnostics: WorkspaceDiagnostic[];
}

/** Server → client: the editor state now, for the assistant's context and tools. */
export namespace EditorStateRequest {
  export const method = 'parley/editorState';
  export const type = new RequestType0<EditorState, void>(method);
}

export interface SessionExport {
  markdown: string;
  turns: number;
  startedAt: number;
}

/** Client → server: the current session as Markdown, for Parley: Export Session. */
export namespace ExportSessionRequest {
  export const method = 'parley/exportSession';
  export const type = new RequestType0<SessionExport, void>(method);
}

/** Client → server: the address of the browser capture page (with the token), for the user's browser. */
export namespace CapturePageRequest {
  export const method = 'parley/capturePage';
  export const type = new RequestType0<{ url: string }, void>(method);
}
