/**
 * The frames the server sends a webview over the live WebSocket, declared once as a schema: the
 * ServerFrame type (re-exported by protocol/live.ts) is derived from it, and the webviews parse
 * every text frame with it (webview/live.ts), so a frame they cannot read is reported, not guessed at.
 */
// The mini build: the webviews bundle this schema.
import * as z from 'zod/mini';
import { CellTableSchema } from './cellTable';
import { APPROVAL_KINDS, CAPTURE_SOURCES, CELL_LANGUAGES, RUN_OUTCOMES } from './live';
import { SessionHeadSchema, StoredTurnSchema, ToolCallRecordSchema } from './session';
import { ServerStatusSchema, StatusReportSchema } from './status';
import { VOICE_COMMAND_NAMES } from './voiceCommands';

const runId = z.string();
const code = z.nullable(z.number());

export const ServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), report: StatusReportSchema, status: ServerStatusSchema }),
  z.object({ type: z.literal('status'), status: ServerStatusSchema }),
  z.object({ type: z.literal('report'), report: StatusReportSchema }),
  z.object({ type: z.literal('pong'), id: z.number() }),
  /** The conversation so far, sent on connect so a reopened panel shows it. */
  z.object({ type: z.literal('history'), turns: z.array(StoredTurnSchema), session: z.optional(SessionHeadSchema) }),
  /** What the session's answers cost so far (null: none priced) against its budget (null: none). */
  z.object({ type: z.literal('sessionCost'), costUsd: z.nullable(z.number()), budgetUsd: z.nullable(z.number()) }),
  /** The session changed type. */
  z.object({ type: z.literal('session'), session: SessionHeadSchema }),
  /**
   * The session's time: when it ends (epoch milliseconds; null without a limit) and where it is:
   * running, in its last 5 minutes, or ended (the current answer finished, listening stopped).
   */
  z.object({ type: z.literal('sessionTime'), endsAt: z.nullable(z.number()), state: z.enum(['running', 'warning', 'ended']) }),
  /** A turn was committed to history. */
  z.object({ type: z.literal('turn'), turn: StoredTurnSchema }),
  /** Whether an answer is being produced now. */
  z.object({ type: z.literal('answering'), active: z.boolean() }),
  /** More text of the answer in progress. */
  z.object({ type: z.literal('assistantDelta'), text: z.string() }),
  /** A tool call of the answer in progress started or finished. */
  z.object({ type: z.literal('toolCall'), call: ToolCallRecordSchema, state: z.enum(['running', 'done']) }),
  /** What the user is saying: partial while they speak, final when the turn ends. */
  z.object({ type: z.literal('transcript'), text: z.string(), final: z.boolean(), editable: z.optional(z.boolean()) }),
  z.discriminatedUnion('action', [
    /** Playback of the assistant's voice: paused at speech onset, resumed after a false alarm, stopped on barge-in. */
    z.object({ type: z.literal('playback'), action: z.enum(['pause', 'resume', 'stop']) }),
    /** The audio that follows is answer `answer`'s: its playback reports count from zero. */
    z.object({ type: z.literal('playback'), action: z.literal('start'), answer: z.number() }),
    /** Play at `rate` (1 the voice's own; pitch kept) from now on, what is queued included: "slower", "faster". */
    z.object({ type: z.literal('playback'), action: z.literal('rate'), rate: z.number().check(z.positive()) }),
  ]),
  /** A voice command the server heard and acted on, never sent to the model, and what it did. */
  z.object({ type: z.literal('voiceCommand'), command: z.enum(VOICE_COMMAND_NAMES), heard: z.string(), message: z.string() }),
  /** This connection's capture: listening, or stopped (with why, when it was not asked for). */
  z.discriminatedUnion('state', [
    z.object({ type: z.literal('capture'), state: z.literal('listening'), source: z.enum(CAPTURE_SOURCES), device: z.optional(z.string()) }),
    z.object({ type: z.literal('capture'), state: z.literal('stopped'), reason: z.optional(z.string()) }),
  ]),
  /** Something the user should know about the conversation, e.g. that no model is configured. */
  z.object({ type: z.literal('notice'), level: z.enum(['error', 'warning', 'info']), message: z.string() }),
  /**
   * The assistant asks to run a command (or a REPL cell): the exact line, the folder and why.
   * Nothing runs until this panel answers with an `approve` frame; `preapproved` when the command
   * is on the workspace's always-allow list, and the card only shows it running.
   */
  z.object({
    type: z.literal('approval'),
    id: runId,
    kind: z.enum(APPROVAL_KINDS),
    command: z.string(),
    cwd: z.string(),
    reason: z.string(),
    preapproved: z.optional(z.boolean()),
    language: z.optional(z.enum(CELL_LANGUAGES)),
  }),
  /**
   * What became of an approval card: its run started, the user denied it, or the answer was
   * stopped before anyone decided. A command's `running` says how it runs: in the terminal named
   * "Parley" through its shell integration, or as a child process of Parley, with why not there.
   */
  z.object({
    type: z.literal('approvalState'),
    id: runId,
    state: z.enum(['running', 'denied', 'cancelled']),
    ranAs: z.optional(z.object({ via: z.enum(['terminal', 'child']), why: z.optional(z.string()) })),
  }),
  /** Output of a running card's command as it comes, stdout and stderr interleaved, colour codes (SGR) only. */
  z.object({ type: z.literal('runOutput'), id: runId, stream: z.enum(['stdout', 'stderr']), text: z.string() }),
  /** A figure a running REPL cell drew (matplotlib), as a PNG in base64. */
  z.object({ type: z.literal('runImage'), id: runId, png: z.string() }),
  /** A table a running REPL cell returned (its first rows and columns; the totals say what was left out). */
  z.object({ type: z.literal('runTable'), id: runId, table: CellTableSchema }),
  /** A card's run ended: how, its exit code or signal, and how long it took. */
  z.object({
    type: z.literal('runEnd'),
    id: runId,
    outcome: z.enum(RUN_OUTCOMES),
    exitCode: code,
    signal: z.nullable(z.string()),
    ms: z.number(),
    reason: z.optional(z.string()),
    droppedChars: z.optional(z.number()),
  }),
  /** The commands that run without asking in this workspace, each as its parsed words. */
  z.object({ type: z.literal('allowedCommands'), commands: z.array(z.array(z.string())) }),
]);

export type ServerFrame = z.output<typeof ServerFrameSchema>;
/** How an approved command runs, as its card says. */
export type RanAs = NonNullable<Extract<ServerFrame, { type: 'approvalState' }>['ranAs']>;

/**
 * Reads one text frame from the server: the frame, or a notice saying what could not be read, so a
 * panel that meets a frame it does not know shows that instead of silently missing part of an answer.
 */
export function readServerFrame(text: string): ServerFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return unreadable('it is not JSON');
  }
  const parsed = z.safeParse(ServerFrameSchema, json);
  if (parsed.success) return parsed.data;
  const type = typeof json === 'object' && json !== null && 'type' in json ? String(json.type) : 'untyped';
  const issue = parsed.error.issues[0];
  return unreadable(`a "${type}" frame${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'unknown shape'}`);
}

function unreadable(what: string): ServerFrame {
  return {
    type: 'notice',
    level: 'error',
    message: `This view could not read a message from the Parley server (${what}), so part of what it shows may be missing. Run "Developer: Reload Window"; if it happens again, please report this message.`,
  };
}
