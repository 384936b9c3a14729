/**
 * The language client library and Parley's LSP message tables, built as their own bundle
 * (dist/lspClient.js) and required on the first server start, so that VS Code's start-up does not
 * pay for loading them when Parley activates.
 */
export { LanguageClient, TransportKind } from 'vscode-languageclient/node';
export {
  AskAboutFailureRequest,
  CapturePageRequest,
  CommandOutputNotification,
  EditorStateRequest,
  TerminalExecuteRequest,
  TerminalOpenRequest,
  ExportSessionRequest,
  KbAddNoteRequest,
  KbAddRequest,
  KbContributionsRequest,
  KbRemoveSourceRequest,
  KbSetVisibilityRequest,
  KbStatsNotification,
  KbStatsRequest,
  KbSyncRequest,
  KbTeamDocumentRequest,
  KbTeamStatsRequest,
  LiveEndpointRequest,
  LiveRemoteOriginNotification,
  LogsAnalyzeRequest,
  LogsListRequest,
  NewSessionRequest,
  ReviewDismissalsRequest,
  ReviewRequest,
  ServerStatusNotification,
  SpeechModelDownloadRequest,
  SpeechModelsRequest,
  SessionsChangedNotification,
  SessionsDeleteRequest,
  SessionsExportRequest,
  SessionsListRequest,
  SessionsOpenRequest,
  SessionsSearchRequest,
  StatusRequest,
  WorkspaceTrustNotification,
} from '../protocol/lsp';
export { WorkDoneProgress } from 'vscode-languageclient/node';
export { relaySidebar } from './views/relay';
