/**
 * Every custom LSP message between the extension and the server, declared once.
 * Standard LSP carries what LSP already has; these carry the rest. Params are declared once, as
 * schemas in protocol/params.ts: their types here are derived from them, and the server parses
 * each message with its schema (server/rpc.ts).
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type * as z from 'zod';
import type { KbContribution, KbCorrection, KbIngestResult, KbSearchAnswer, KbStats, KbTeamDocument, KbTeamStatsAnswer } from './knowledge';
import type { SpeechModelDownloadResult, SpeechModelList } from './speechModels';
import type {
  AskAboutFailureParams,
  CommandOutputParams,
  EditorStateSchema,
  InitializationOptionsSchema,
  KbAddNoteParams,
  KbAddParams,
  KbAddTagParams,
  KbCorrectParams,
  KbTeamDocumentParams,
  KbDocumentVisibilityParams,
  KbRemoveSourceParams,
  KbSearchParamsSchema,
  KbSetVisibilityParams,
  KbSyncParams,
  KbVoteParams,
  LiveRemoteOriginParams,
  LogsAnalyzeParamsSchema,
  LogsListParamsSchema,
  NewSessionParamsSchema,
  ReviewDismissalsParams,
  ReviewParamsSchema,
  SessionIdParamsSchema,
  SessionsExportParamsSchema,
  SessionsSearchParamsSchema,
  SpeechModelDownloadParams,
  TerminalExecuteParamsSchema,
  TerminalExecuteResultSchema,
  TerminalOpenResultSchema,
  TextRangeSchema,
  WorkspaceDiagnosticSchema,
  WorkspaceTrustParams,
} from './params';
import type { ClaudeSessionAnalysis, ClaudeSessionEntry } from './logs';
import type { ReviewResult } from './review';
import type { SessionHead, SessionHit, SessionSummary } from './session';
import type { ServerStatus, StatusReport } from './status';

/** What the extension passes in `initialize`; the server creates these folders if missing. */
export type InitializationOptions = z.input<typeof InitializationOptionsSchema>;

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

/** Client → server: the user granted workspace trust (VS Code never takes it back without a reload). */
export namespace WorkspaceTrustNotification {
  export const method = 'parley/workspaceTrust';
  export const type = new NotificationType<z.input<typeof WorkspaceTrustParams>>(method);
}

/**
 * Client → server: the window is remote, and its webviews load from this origin (the origin of
 * the live endpoint's external address); their connections from it are accepted.
 */
export namespace LiveRemoteOriginNotification {
  export const method = 'parley/liveRemoteOrigin';
  export const type = new NotificationType<z.input<typeof LiveRemoteOriginParams>>(method);
}

/** Server → client: the server's health and activity changed. */
export namespace ServerStatusNotification {
  export const method = 'parley/serverStatus';
  export const type = new NotificationType<ServerStatus>(method);
}

export type TextRange = z.output<typeof TextRangeSchema>;
export type Position = TextRange['start'];
export type WorkspaceDiagnostic = z.output<typeof WorkspaceDiagnosticSchema>;
export type DiagnosticSeverityName = WorkspaceDiagnostic['severity'];
/** What the user has on screen, as the extension sees it. Texts are capped by the extension. */
export type EditorState = z.output<typeof EditorStateSchema>;

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

/** Client → server: add a folder or a note file to the knowledge base and index it (with work-done progress; cancellable). */
export namespace KbAddRequest {
  export const method = 'parley/kb/add';
  export const type = new RequestType<z.input<typeof KbAddParams>, KbIngestResult, void>(method);
}

/** Client → server: keep the editor selection as a new note in the knowledge base. */
export namespace KbAddNoteRequest {
  export const method = 'parley/kb/addNote';
  export const type = new RequestType<z.input<typeof KbAddNoteParams>, { path: string; result: KbIngestResult }, void>(method);
}

/** Client → server: sync every source now (with work-done progress; cancellable). */
export namespace KbSyncRequest {
  export const method = 'parley/kb/sync';
  export const type = new RequestType<z.input<typeof KbSyncParams>, KbStats, void>(method);
}

/** Client → server: what the knowledge base holds. */
export namespace KbStatsRequest {
  export const method = 'parley/kb/stats';
  export const type = new RequestType0<KbStats, void>(method);
}

/** Client → server: the team hub's figures for the user's team, when a hub is set. */
export namespace KbTeamStatsRequest {
  export const method = 'parley/kb/teamStats';
  export const type = new RequestType0<KbTeamStatsAnswer, void>(method);
}

/** Client → server: a team hub note's whole text, for a read-only editor of it. */
export namespace KbTeamDocumentRequest {
  export const method = 'parley/kb/teamDocument';
  export const type = new RequestType<z.input<typeof KbTeamDocumentParams>, KbTeamDocument, void>(method);
}

/** Client → server: what this user added (votes, corrections, tags, notes), newest first. */
export namespace KbContributionsRequest {
  export const method = 'parley/kb/contributions';
  export const type = new RequestType0<KbContribution[], void>(method);
}

/** Client → server: the visibility of the document at `path` (a file in the knowledge base). */
export namespace KbSetVisibilityRequest {
  export const method = 'parley/kb/setVisibility';
  export const type = new RequestType<z.input<typeof KbSetVisibilityParams>, { title: string }, void>(method);
}

/** Client → server: stop indexing a source and remove its documents (the files are untouched). */
export namespace KbRemoveSourceRequest {
  export const method = 'parley/kb/removeSource';
  export const type = new RequestType<z.input<typeof KbRemoveSourceParams>, KbStats, void>(method);
}

/**
 * Sidebar → server, through the extension (extension/views/relay.ts), like the other sidebar
 * requests below: the passages that match a query as it is typed. The sidebar cancels a search
 * when a newer one starts, and never shows a cancelled one's passages.
 */
export namespace KbSearchRequest {
  export const method = 'parley/kb/search';
  export const type = new RequestType<z.input<typeof KbSearchParamsSchema>, KbSearchAnswer, void>(method);
}

/** Sidebar → server: a passage was helpful (1) or not (-1); its quality and vote counts now. */
export namespace KbVoteRequest {
  export const method = 'parley/kb/vote';
  export const type = new RequestType<z.input<typeof KbVoteParams>, { quality: number; up: number; down: number }, void>(method);
}

/** Sidebar → server: the user's correction of a passage, kept as its next version. */
export namespace KbCorrectRequest {
  export const method = 'parley/kb/correct';
  export const type = new RequestType<z.input<typeof KbCorrectParams>, KbCorrection, void>(method);
}

/** Sidebar → server: a tag for a note; the note's tags now. */
export namespace KbAddTagRequest {
  export const method = 'parley/kb/addTag';
  export const type = new RequestType<z.input<typeof KbAddTagParams>, { tags: string[] }, void>(method);
}

/** Sidebar → server: the visibility of a document of a passage it shows. */
export namespace KbDocumentVisibilityRequest {
  export const method = 'parley/kb/documentVisibility';
  export const type = new RequestType<z.input<typeof KbDocumentVisibilityParams>, void, void>(method);
}

/** Server → client, which hands it on to the sidebar: the knowledge base changed (a sync, a new source); its figures now. */
export namespace KbStatsNotification {
  export const method = 'parley/kb/statsChanged';
  export const type = new NotificationType<KbStats>(method);
}

export type ReviewParams = z.input<typeof ReviewParamsSchema>;

/**
 * Client → server: review a repository (with work-done progress; cancellable). The server writes
 * the Markdown report and publishes the findings as diagnostics with source "Parley".
 */
export namespace ReviewRequest {
  export const method = 'parley/review';
  export const type = new RequestType<ReviewParams, ReviewResult, void>(method);
}

export type ReviewDismissals = z.input<typeof ReviewDismissalsParams>;

/** A finding the user dismissed ("not a problem") for a repository. */
export interface DismissedFinding {
  id: string;
  title: string;
  file: string;
  /** When, in milliseconds since the epoch. */
  at: number;
}

/**
 * Client → server: dismiss a finding of a folder's latest review, restore dismissed ones, or list
 * them. Dismissing or restoring republishes that folder's findings as diagnostics.
 */
export namespace ReviewDismissalsRequest {
  export const method = 'parley/reviewDismissals';
  export const type = new RequestType<ReviewDismissals, { dismissed: DismissedFinding[]; changed: number }, void>(method);
}

export type LogsListParams = z.input<typeof LogsListParamsSchema>;

/** Client → server: the Claude Code sessions on this machine, newest first. */
export namespace LogsListRequest {
  export const method = 'parley/logs/list';
  export const type = new RequestType<LogsListParams, ClaudeSessionEntry[], void>(method);
}

export type LogsAnalyzeParams = z.input<typeof LogsAnalyzeParamsSchema>;

/** Client → server: analyse a Claude Code transcript and its sub-agents' (work-done progress; cancellable). */
export namespace LogsAnalyzeRequest {
  export const method = 'parley/logs/analyze';
  export const type = new RequestType<LogsAnalyzeParams, ClaudeSessionAnalysis, void>(method);
}

export type NewSessionParams = z.input<typeof NewSessionParamsSchema>;

/**
 * Client → server: start a session of a type (Parley: New Session, or a log analysis from its
 * view); the conversation goes on in it and every panel is sent its (empty) history.
 */
export namespace NewSessionRequest {
  export const method = 'parley/session/new';
  export const type = new RequestType<NewSessionParams, SessionHead, void>(method);
}

/** Every past session, newest first, and which one the conversation goes on in. */
export interface SessionList {
  sessions: SessionSummary[];
  current: string;
}

/** Client → server: the past sessions, for the Sessions view. */
export namespace SessionsListRequest {
  export const method = 'parley/sessions/list';
  export const type = new RequestType0<SessionList, void>(method);
}

export type SessionsSearchParams = z.input<typeof SessionsSearchParamsSchema>;

/** Client → server: turns, tool calls and REPL cells of every session holding all the words, best first. */
export namespace SessionsSearchRequest {
  export const method = 'parley/sessions/search';
  export const type = new RequestType<SessionsSearchParams, SessionHit[], void>(method);
}

export type SessionIdParams = z.input<typeof SessionIdParamsSchema>;

/**
 * Client → server: go on in a past session. Every panel is sent its history; its time limit, if
 * it has one, counts on from the time it had already taken.
 */
export namespace SessionsOpenRequest {
  export const method = 'parley/sessions/open';
  export const type = new RequestType<SessionIdParams, SessionHead, void>(method);
}

export type SessionsExportParams = z.input<typeof SessionsExportParamsSchema>;

/** Client → server: a past session as Markdown or as the JSON `parley sessions import` reads. */
export namespace SessionsExportRequest {
  export const method = 'parley/sessions/export';
  export const type = new RequestType<SessionsExportParams, { content: string; turns: number; startedAt: number }, void>(method);
}

/** Client → server: the speech models of the local recognizer, which are downloaded and which is used. */
export namespace SpeechModelsRequest {
  export const method = 'parley/speechModels';
  export const type = new RequestType0<SpeechModelList, void>(method);
}

/**
 * Client → server: download a speech model (Parley: Download Speech Model), with progress through
 * the work-done token. Cancelling keeps what arrived, and the next download resumes from it.
 */
export namespace SpeechModelDownloadRequest {
  export const method = 'parley/speechModels/download';
  export const type = new RequestType<z.input<typeof SpeechModelDownloadParams>, SpeechModelDownloadResult, void>(method);
}

/** Client → server: delete a past session with its turns and REPL cells; the one in progress is refused. */
export namespace SessionsDeleteRequest {
  export const method = 'parley/sessions/delete';
  export const type = new RequestType<SessionIdParams, void, void>(method);
}

/** Server → client: a session started, was answered in, changed type or was deleted; the Sessions view lists them again. */
export namespace SessionsChangedNotification {
  export const method = 'parley/sessions/changed';
  export const type = new NotificationType0(method);
}

export type AskAboutFailure = z.input<typeof AskAboutFailureParams>;

/**
 * Client → server: the user accepted Parley's offer to look at a failure (a task or a terminal
 * command that failed, new errors after a save). The server starts a typed turn about it; nothing
 * in the failure's text can start or approve a command.
 */
export namespace AskAboutFailureRequest {
  export const method = 'parley/askAboutFailure';
  export const type = new RequestType<AskAboutFailure, void, void>(method);
}

export type TerminalOpenResult = z.input<typeof TerminalOpenResultSchema>;

/**
 * Server → client: make the terminal named "Parley" ready for an approved command (create it,
 * wait for its shell integration), or say why it cannot take one now. The server reads the
 * answer with its schema.
 */
export namespace TerminalOpenRequest {
  export const method = 'parley/terminalOpen';
  export const type = new RequestType0<TerminalOpenResult, void>(method);
}

export type TerminalExecuteParams = z.input<typeof TerminalExecuteParamsSchema>;
export type TerminalExecuteResult = z.input<typeof TerminalExecuteResultSchema>;

/** Server → client: start Parley's terminal runner (its argv given) in the terminal named "Parley" through shell integration. */
export namespace TerminalExecuteRequest {
  export const method = 'parley/terminalExecute';
  export const type = new RequestType<TerminalExecuteParams, TerminalExecuteResult, void>(method);
}

export type CommandOutput = z.input<typeof CommandOutputParams>;

/** Server → client: output of a command the user approved, for the terminal named "Parley" (extension/terminal.ts). */
export namespace CommandOutputNotification {
  export const method = 'parley/commandOutput';
  export const type = new NotificationType<CommandOutput>(method);
}
