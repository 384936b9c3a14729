/**
 * The frames a webview sends the server over the live WebSocket, declared once as a schema: the
 * ClientFrame type (re-exported by protocol/live.ts) is derived from it and the server parses every
 * text frame with it (server/live/frames.ts). A file of its own, so the webviews, which only send
 * these frames, bundle no zod.
 */
import * as z from 'zod';
import { CAPTURE_SOURCES, CELL_LANGUAGES, LIVE_MAX_SAY_CHARS, PLAYBACK_STATES } from './live';
import { SESSION_TYPES } from './session';

/** A day of audio: more than any answer plays. */
const MAX_PLAYED_MS = 86_400_000;

const safeInteger = z.number().int();
const approvalId = z.string().regex(/^[\w-]{1,64}$/, { error: 'is not an approval id' });

export const ClientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: safeInteger }),
  z.object({ type: z.literal('refresh') }),
  /** A typed user turn; `spoken` when it is a push-to-talk transcript the user reviewed, to be answered aloud. */
  z.object({
    type: z.literal('say'),
    text: z
      .string()
      .max(LIVE_MAX_SAY_CHARS, { error: `is longer than ${LIVE_MAX_SAY_CHARS} characters` })
      .refine((text) => text.trim() !== '', { error: 'is empty' }),
    spoken: z.boolean().optional(),
  }),
  /** Push-to-talk: the talk button went down (a turn starts, and any answer being spoken stops) or up (the turn ends). */
  z.object({ type: z.literal('talk'), pressed: z.boolean() }),
  /** Stop the answer in progress. */
  z.object({ type: z.literal('cancel') }),
  /**
   * Open or close this connection's microphone capture. `webview`: the webview records and sends
   * binary frames of 16 kHz mono s16le PCM. `native`: the server records the default input device
   * (desktop VS Code, where webviews get no microphone).
   */
  z.discriminatedUnion('action', [
    z.object({ type: z.literal('capture'), action: z.literal('start'), source: z.enum(CAPTURE_SOURCES) }),
    z.object({ type: z.literal('capture'), action: z.literal('stop') }),
  ]),
  /**
   * How much of answer `answer`'s voice this webview has played, by its audio clock: sent as
   * chunks end (at most every PLAYBACK_REPORT_MS) and at once on pause, resume, stop and when the
   * queue runs dry, so the server knows what the user heard and when the answer played out.
   */
  z.object({ type: z.literal('playback'), answer: safeInteger.min(0), playedMs: z.number().min(0).max(MAX_PLAYED_MS), state: z.enum(PLAYBACK_STATES) }),
  /** The user's answer to an approval card: run it (and, with `always`, run this exact command without asking in this workspace) or deny it. */
  z.object({ type: z.literal('approve'), id: approvalId, decision: z.enum(['run', 'deny']), always: z.boolean().optional() }),
  /** A REPL cell the user typed and ran in the panel: running it is the approval. */
  z.object({
    type: z.literal('cell'),
    language: z.enum(CELL_LANGUAGES),
    code: z
      .string()
      .max(LIVE_MAX_SAY_CHARS, { error: `is longer than ${LIVE_MAX_SAY_CHARS} characters` })
      .refine((code) => code.trim() !== '', { error: 'is empty' }),
  }),
  /** The session goes on as another type (the panel's type menu). */
  z.object({ type: z.literal('sessionType'), sessionType: z.enum(SESSION_TYPES) }),
  /** Stop a card's running command (the Stop button, or Escape on the card). */
  z.object({ type: z.literal('stopRun'), id: approvalId }),
  /** Show the always-allow list (`list`) or take one command, as its parsed words, off it (`remove`). */
  z.discriminatedUnion('action', [
    z.object({ type: z.literal('allowedCommands'), action: z.literal('list') }),
    z.object({ type: z.literal('allowedCommands'), action: z.literal('remove'), argv: z.array(z.string().max(LIVE_MAX_SAY_CHARS)).min(1).max(1000) }),
  ]),
]);

export type ClientFrame = z.output<typeof ClientFrameSchema>;
