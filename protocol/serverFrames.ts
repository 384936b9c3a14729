/**
 * The frames the server sends a webview over the live WebSocket, declared once as a schema: the
 * ServerFrame type (re-exported by protocol/live.ts) is derived from it and the webviews parse every
 * text frame with it (webview/live.ts, webview/capturePage.ts). zod's mini build, because the
 * webviews bundle it.
 */
import * as z from 'zod/mini';
import { firstIssue } from './issues';
import { APPROVAL_KINDS, CAPTURE_SOURCES, CELL_LANGUAGES, RUN_OUTCOMES } from './live';
import { StoredTurnSchema, ToolCallRecordSchema } from './session';
import { ServerStatusSchema, StatusReportSchema } from './status';

const frame = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) => z.object({ type: z.literal(type), ...shape });

export const ServerFrameSchema = z.discriminatedUnion('type', [
  frame('hello', { report: StatusReportSchema, status: ServerStatusSchema }),
  frame('status', { status: ServerStatusSchema }),
  frame('report', { report: StatusReportSchema }),
  frame('pong', { id: z.number() }),
  /** The conversation so far, sent on connect so a reopened panel shows it. */
  frame('history', { turns: z.array(StoredTurnSchema) }),
  /** A turn was committed to history. */
  frame('turn', { turn: StoredTurnSchema }),
  /** Whether an answer is being produced now. */
  frame('answering', { active: z.boolean() }),
  /** More text of the answer in progress. */
  frame('assistantDelta', { text: z.string() }),
  /** A tool call of the answer in progress started or finished. */
  frame('toolCall', { call: ToolCallRecordSchema, state: z.enum(['running', 'done']) }),
  /** What the user is saying: partial while they speak, final when the turn ends. */
  frame('transcript', { text: z.string(), final: z.boolean(), editable: z.optional(z.boolean()) }),
  z.discriminatedUnion('action', [
    /** Playback of the assistant's voice: paused at speech onset, resumed after a false alarm, stopped on barge-in. */
    frame('playback', { action: z.enum(['pause', 'resume', 'stop']) }),
    /** The audio that follows is answer `answer`'s: its playback reports count from zero. */
    frame('playback', { action: z.literal('start'), answer: z.number() }),
  ]),
  /** This connection's capture: listening, or stopped (with why, when it was not asked for). */
  z.discriminatedUnion('state', [
    frame('capture', { state: z.literal('listening'), source: z.enum(CAPTURE_SOURCES), device: z.optional(z.string()) }),
    frame('capture', { state: z.literal('stopped'), reason: z.optional(z.string()) }),
  ]),
  /** Something the user should know about the conversation, e.g. that no model is configured. */
  frame('notice', { level: z.enum(['error', 'warning', 'info']), message: z.string() }),
  /**
   * The assistant asks to run a command (or a REPL cell): the exact line, the folder and why.
   * Nothing runs until this panel answers with an `approve` frame; `preapproved` when the command
   * is on the workspace's always-allow list, and the card only shows it running.
   */
  frame('approval', {
    id: z.string(),
    kind: z.enum(APPROVAL_KINDS),
    command: z.string(),
    cwd: z.string(),
    reason: z.string(),
    preapproved: z.optional(z.boolean()),
    language: z.optional(z.enum(CELL_LANGUAGES)),
  }),
  /** What became of an approval card: its run started, the user denied it, or the answer was stopped before anyone decided. */
  frame('approvalState', { id: z.string(), state: z.enum(['running', 'denied', 'cancelled']) }),
  /** Output of a running card's command as it comes, stdout and stderr interleaved, colour codes (SGR) only. */
  frame('runOutput', { id: z.string(), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  /** A figure a running REPL cell drew (matplotlib), as a PNG in base64. */
  frame('runImage', { id: z.string(), png: z.string() }),
  /** A card's run ended: how, its exit code or signal, and how long it took. */
  frame('runEnd', {
    id: z.string(),
    outcome: z.enum(RUN_OUTCOMES),
    exitCode: z.nullable(z.number()),
    signal: z.nullable(z.string()),
    ms: z.number(),
    reason: z.optional(z.string()),
    droppedChars: z.optional(z.number()),
  }),
  /** The commands that run without asking in this workspace, each as its parsed words. */
  frame('allowedCommands', { commands: z.array(z.array(z.string())) }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/** A text frame from the server, parsed; an error naming the first field that is wrong when it is not a frame Parley knows. */
export function parseServerFrame(text: string): { frame: ServerFrame } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'it is not JSON' };
  }
  const parsed = ServerFrameSchema.safeParse(json);
  if (parsed.success) return { frame: parsed.data };
  return { error: firstIssue(parsed.error, 'frame') };
}
