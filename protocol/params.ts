/**
 * The params of each custom LSP message that takes any, declared once as a zod schema; the types
 * in protocol/lsp.ts are derived from these, and the server parses every message with its schema
 * (server/rpc.ts), answering a request of the wrong shape with InvalidParams. They live apart from
 * the message table so that a webview, which sends requests through protocol/lsp.ts, does not
 * bundle zod for checks only the server makes.
 */
import * as z from 'zod';
import { VISIBILITY_LEVELS } from './knowledge';
import { KbAddNoteRequest, KbAddRequest, KbRemoveSourceRequest, KbSetVisibilityRequest, KbSyncRequest, LiveRemoteOriginNotification, ReviewRequest, WorkspaceTrustNotification } from './lsp';

const path = z.string().min(1, { error: 'must be a path' });
const recordId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
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

/** Only a literal true grants trust. */
export const WorkspaceTrustParams = z.object({ trusted: z.literal(true) });
export const LiveRemoteOriginParams = z.object({ origin: z.string() });
export const KbAddParams = z.object({ path, ...workDone });
export const KbAddNoteParams = z.object({ title: z.string(), text: z.string() });
export const KbSyncParams = z.object(workDone).default({});
export const KbSetVisibilityParams = z.object({ path, visibility });
export const KbRemoveSourceParams = z.object({ sourceId: recordId });

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

const SCHEMAS = {
  [WorkspaceTrustNotification.method]: WorkspaceTrustParams,
  [LiveRemoteOriginNotification.method]: LiveRemoteOriginParams,
  [KbAddRequest.method]: KbAddParams,
  [KbAddNoteRequest.method]: KbAddNoteParams,
  [KbSyncRequest.method]: KbSyncParams,
  [KbSetVisibilityRequest.method]: KbSetVisibilityParams,
  [KbRemoveSourceRequest.method]: KbRemoveSourceParams,
  [ReviewRequest.method]: ReviewParamsSchema,
} as const;

export type ParamsMethod = keyof typeof SCHEMAS;
export type ParamsOf<M extends ParamsMethod> = z.output<(typeof SCHEMAS)[M]>;

/** Every custom message with params, by method: what server/rpc.ts parses each one with. */
export const PARAMS: { readonly [M in ParamsMethod]: z.ZodType<ParamsOf<M>> } = SCHEMAS;
