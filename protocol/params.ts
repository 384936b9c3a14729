/**
 * The params of each custom LSP message that takes any, declared once as a zod schema; the types
 * in protocol/lsp.ts are derived from these, and the server parses every message with its schema
 * (server/rpc.ts), answering a request of the wrong shape with InvalidParams. They live apart from
 * the message table so that a webview, which sends requests through protocol/lsp.ts, does not
 * bundle zod for checks only the server makes.
 */
import * as z from 'zod';
import { FAILURE_KINDS, FAILURE_MAX_MESSAGE_CHARS, FAILURE_MAX_NAME_CHARS, FAILURE_MAX_OUTPUT_CHARS, FAILURE_MAX_PROBLEMS } from './failures';
import { SESSION_EXPORT_FORMATS, SESSION_TYPES } from './session';
import { KB_MAX_CORRECTION_CHARS, KB_MAX_QUERY_CHARS, KB_MAX_RESULTS, KB_MAX_TAG_CHARS, KB_TEAM_SCOPES, VISIBILITY_LEVELS } from './knowledge';
import {
  AskAboutFailureRequest,
  KbAddNoteRequest,
  KbAddRequest,
  KbAddTagRequest,
  KbCorrectRequest,
  KbDocumentVisibilityRequest,
  KbRemoveSourceRequest,
  KbSearchRequest,
  KbSetVisibilityRequest,
  KbSyncRequest,
  KbTeamDocumentRequest,
  KbVoteRequest,
  LiveRemoteOriginNotification,
  LogsAnalyzeRequest,
  LogsListRequest,
  NewSessionRequest,
  ReviewDismissalsRequest,
  SessionsDeleteRequest,
  SessionsExportRequest,
  SessionsOpenRequest,
  SessionsSearchRequest,
  SpeechModelDownloadRequest,
  ReviewRequest,
  WorkspaceTrustNotification,
} from './lsp';

const path = z.string().min(1, { error: 'must be a path' });
/** A row of the knowledge base: zod's integers are safe integers. */
const recordId = z.number().int().positive();
const visibility = z.enum(VISIBILITY_LEVELS);
/** WorkDoneProgressParams: the token of the progress the client created for the request. */
const workDone = { workDoneToken: z.union([z.string(), z.number()], { error: 'is not a progress token (a text or a number)' }).optional() };

/** What the extension passes in `initialize`; the server creates these folders if missing. */
export const InitializationOptionsSchema = z.object({
  globalStoragePath: path,
  workspaceStoragePath: path,
  extensionVersion: z.string().optional(),
  /**
   * VS Code's workspace trust at start. Without it the server runs no git and no commands; a
   * missing value counts as untrusted.
   */
  workspaceTrusted: z.boolean().default(false),
});

const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
export const TextRangeSchema = z.object({ start: PositionSchema, end: PositionSchema });

export const WorkspaceDiagnosticSchema = z.object({
  path: z.string(),
  range: TextRangeSchema,
  severity: z.enum(['error', 'warning', 'information', 'hint']),
  message: z.string(),
  source: z.string().optional(),
  code: z.string().optional(),
});

/** What the user has on screen, as the extension sees it (the answer to parley/editorState). Texts are capped by the extension. */
export const EditorStateSchema = z.object({
  workspaceFolders: z.array(z.string()),
  activeEditor: z
    .object({
      path: z.string(),
      languageId: z.string(),
      lineCount: z.number().int().min(0),
      selection: TextRangeSchema,
      selectedText: z.string(),
      visibleRange: TextRangeSchema,
      visibleText: z.string(),
    })
    .optional(),
  openFiles: z.array(z.string()),
  /** Diagnostics of every source (language servers, linters, tasks), errors first. */
  diagnostics: z.array(WorkspaceDiagnosticSchema),
});

/** Only a literal true grants trust. */
export const WorkspaceTrustParams = z.object({ trusted: z.literal(true) });
export const LiveRemoteOriginParams = z.object({ origin: z.string() });
export const KbAddParams = z.object({ path, ...workDone });
export const KbAddNoteParams = z.object({ title: z.string(), text: z.string() });
export const KbSyncParams = z.object(workDone).default({});
export const KbSetVisibilityParams = z.object({ path, visibility });
export const KbRemoveSourceParams = z.object({ sourceId: recordId });

/** The sidebar's requests come from a webview: every field is bounded. */
export const KbSearchFiltersSchema = z.object({
  /** Which visibilities may appear; default: all. A shared search passes ['shared', 'public']. */
  visibility: z.array(visibility).optional(),
  /** Only passages with this tag (a nested tag `a/b` also matches `a`). */
  tag: z.string().optional(),
  /** Only documents under this folder (absolute path). */
  folder: z.string().optional(),
});
export const KbSearchParamsSchema = z.object({
  query: z.string().max(KB_MAX_QUERY_CHARS),
  k: z.number().int().min(1).max(KB_MAX_RESULTS).default(10),
  filters: KbSearchFiltersSchema.optional(),
  /** Treat the last word as a prefix, for search as you type. */
  prefix: z.boolean().optional(),
  /** Ask the language model to rank the best passages (parley.knowledgeBase.modelHelp must be on). */
  askModel: z.boolean().optional(),
  /** Whose notes: the user's own (the default), the team hub's, or both. */
  team: z.enum(KB_TEAM_SCOPES).optional(),
});
/** `team: true` for a passage of the team hub (its chunk id is the hub's). */
export const KbVoteParams = z.object({ chunkId: recordId, vote: z.union([z.literal(1), z.literal(-1)]), team: z.boolean().optional() });
export const KbCorrectParams = z.object({ chunkId: recordId, text: z.string().max(KB_MAX_CORRECTION_CHARS), team: z.boolean().optional() });
export const KbTeamDocumentParams = z.object({ documentId: recordId });
export const KbAddTagParams = z.object({ documentId: recordId, tag: z.string().max(KB_MAX_TAG_CHARS) });
export const KbDocumentVisibilityParams = z.object({ documentId: recordId, visibility });

/**
 * Read loosely, `staticOnly: "yes"` would count as false and send the code to the model the caller
 * asked to leave out: a review of the wrong shape is refused before anything runs.
 */
export const ReviewParamsSchema = z.object({
  /** The folder to review (absolute); default: the first workspace folder. */
  folder: path.optional(),
  /** Leave out the model review even when a model is configured. */
  staticOnly: z.boolean().optional(),
  ...workDone,
});

/**
 * Review findings the user dismissed for a repository: `dismiss` one finding of the folder's
 * latest review by its id, `restore` some (or, without ids, all), or `list` them.
 */
export const ReviewDismissalsParams = z.discriminatedUnion('action', [
  z.object({ action: z.literal('list'), folder: path }),
  z.object({ action: z.literal('dismiss'), folder: path, id: z.string().min(1).max(100) }),
  z.object({ action: z.literal('restore'), folder: path, ids: z.array(z.string().min(1).max(100)).max(10_000).optional() }),
]);

/** The Claude Code sessions under a projects folder; default: Claude Code's own (`~/.claude/projects`). */
export const LogsListParamsSchema = z.object({ dir: path.optional() });

/** A Claude Code transcript to analyse (with work-done progress; cancellable). */
export const LogsAnalyzeParamsSchema = z.object({ file: path, ...workDone });

/** A new session of a type; a log-analysis session starts from a Claude Code transcript, which the server analyses for its brief. */
export const NewSessionParamsSchema = z.object({ type: z.enum(SESSION_TYPES), transcript: path.optional() });

/** A past session, by the id the Sessions view lists. */
export const SessionIdParamsSchema = z.object({ id: z.string().min(1).max(200) });

export const SessionsSearchParamsSchema = z.object({ text: z.string().max(1000), limit: z.number().int().min(1).max(200).optional() });

export const SessionsExportParamsSchema = z.object({ ...SessionIdParamsSchema.shape, format: z.enum(SESSION_EXPORT_FORMATS) });

/** An error from Problems that came with a failure. */
export const FailureProblemSchema = z.object({
  path,
  /** 1-based. */
  line: z.number().int().min(1),
  message: z.string().max(FAILURE_MAX_MESSAGE_CHARS),
  source: z.string().max(200).optional(),
});

/**
 * A failure the user asked Parley about (protocol/failures.ts). Its texts come from command output
 * and diagnostics; the server only turns them into a conversation turn.
 */
export const AskAboutFailureParams = z.object({
  kind: z.enum(FAILURE_KINDS),
  /** The task's name, the command line, or the file whose save brought the new errors. */
  name: z.string().min(1).max(FAILURE_MAX_NAME_CHARS),
  exitCode: z.number().int().optional(),
  /** For a jump in Problems: how many more errors there are than before the save. */
  newErrors: z.number().int().min(0).optional(),
  /** The tail of what the command printed, when the editor could read it. */
  output: z.string().max(FAILURE_MAX_OUTPUT_CHARS).optional(),
  problems: z.array(FailureProblemSchema).max(FAILURE_MAX_PROBLEMS).default([]),
});

/**
 * One piece of an approved command's run, for the "Parley" terminal: the first message of a run
 * shows its command line, `chunk` is output as printed (escape sequences included: the terminal
 * renders them), `exit` ends the run.
 */
export const CommandOutputParams = z.object({
  runId: z.string(),
  command: z.string(),
  cwd: z.string(),
  chunk: z.string().optional(),
  exit: z.object({ code: z.number().int().nullable(), signal: z.string().nullable().optional(), ms: z.number().optional() }).optional(),
});

/**
 * The extension's answer to `parley/terminalOpen`: whether the terminal named "Parley" (a shell
 * with VS Code's shell integration) can take a command now, or in words why not.
 */
export const TerminalOpenResultSchema = z.union([
  z.object({ ready: z.literal(true), shell: z.string().max(40).optional() }),
  z.object({ unavailable: z.string().min(1).max(500) }),
]);

/**
 * `parley/terminalExecute`: run Parley's terminal runner in the terminal named "Parley". The
 * server gives the runner's argv (never the user's command: the runner takes the approved job
 * from the server itself, so nothing from the model is ever typed into a shell).
 */
export const TerminalExecuteParamsSchema = z.object({
  runId: z.string().min(1).max(200),
  argv: z.array(z.string().min(1).max(4096)).min(1).max(8),
  /** Run the runner with ELECTRON_RUN_AS_NODE=1: the server's runtime is VS Code's own Electron binary. */
  electronAsNode: z.boolean(),
});

export const TerminalExecuteResultSchema = z.union([z.object({ executed: z.literal(true) }), z.object({ unavailable: z.string().min(1).max(500) })]);

/** `parley/speechModels/download`: which model (one of the server's catalog; it refuses others by name). */
export const SpeechModelDownloadParams = z.object({ ...workDone, name: z.string().min(1).max(40) });

const SCHEMAS = {
  [WorkspaceTrustNotification.method]: WorkspaceTrustParams,
  [LiveRemoteOriginNotification.method]: LiveRemoteOriginParams,
  [KbAddRequest.method]: KbAddParams,
  [KbAddNoteRequest.method]: KbAddNoteParams,
  [KbSyncRequest.method]: KbSyncParams,
  [KbSetVisibilityRequest.method]: KbSetVisibilityParams,
  [KbRemoveSourceRequest.method]: KbRemoveSourceParams,
  [KbSearchRequest.method]: KbSearchParamsSchema,
  [KbVoteRequest.method]: KbVoteParams,
  [KbCorrectRequest.method]: KbCorrectParams,
  [KbAddTagRequest.method]: KbAddTagParams,
  [KbTeamDocumentRequest.method]: KbTeamDocumentParams,
  [KbDocumentVisibilityRequest.method]: KbDocumentVisibilityParams,
  [ReviewRequest.method]: ReviewParamsSchema,
  [ReviewDismissalsRequest.method]: ReviewDismissalsParams,
  [AskAboutFailureRequest.method]: AskAboutFailureParams,
  [LogsListRequest.method]: LogsListParamsSchema,
  [LogsAnalyzeRequest.method]: LogsAnalyzeParamsSchema,
  [NewSessionRequest.method]: NewSessionParamsSchema,
  [SessionsSearchRequest.method]: SessionsSearchParamsSchema,
  [SessionsOpenRequest.method]: SessionIdParamsSchema,
  [SessionsExportRequest.method]: SessionsExportParamsSchema,
  [SessionsDeleteRequest.method]: SessionIdParamsSchema,
  [SpeechModelDownloadRequest.method]: SpeechModelDownloadParams,
} as const;

export type ParamsMethod = keyof typeof SCHEMAS;
/** What the server's handler gets (defaults filled in). */
export type ParamsOf<M extends ParamsMethod> = z.output<(typeof SCHEMAS)[M]>;
/** What a client sends, the params of the message's type in protocol/lsp.ts. */
export type SentParamsOf<M extends ParamsMethod> = z.input<(typeof SCHEMAS)[M]>;

/** Every custom message with params, by method: what server/rpc.ts parses each one with. */
export const PARAMS: { readonly [M in ParamsMethod]: z.ZodType<ParamsOf<M>, SentParamsOf<M>> } = SCHEMAS;
