/**
 * The frames a webview sends the server over the live WebSocket, declared once as a schema: the
 * ClientFrame type (re-exported by protocol/live.ts) is derived from it and the server parses every
 * text frame with it (server/live/frames.ts). A file of its own, so the webviews, which only send
 * these frames, bundle no zod.
 */
import * as z from 'zod';
import { VISIBILITY_LEVELS } from './knowledge';
import { LIVE_MAX_QUERY_CHARS, LIVE_MAX_SAY_CHARS, PLAYBACK_STATES } from './live';

/** A day of audio: more than any answer plays. */
const MAX_PLAYED_MS = 86_400_000;
const KB_MAX_TAG_CHARS = 200;

const safeInteger = z.number().int();
const recordId = safeInteger.positive();
const visibility = z.enum(VISIBILITY_LEVELS);

/** Requests the Knowledge Base sidebar makes; each gets a kbReply or a kbError with its id. */
export const KbOperationSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('search'),
    query: z.string().max(LIVE_MAX_QUERY_CHARS),
    k: safeInteger.min(1).max(100).default(10),
    filters: z.object({ visibility: z.array(visibility).optional(), tag: z.string().optional(), folder: z.string().optional() }).default({}),
  }),
  z.object({ op: z.literal('vote'), chunkId: recordId, vote: z.union([z.literal(1), z.literal(-1)]) }),
  z.object({ op: z.literal('correct'), chunkId: recordId, text: z.string().max(LIVE_MAX_SAY_CHARS) }),
  z.object({ op: z.literal('tag'), documentId: recordId, tag: z.string().max(KB_MAX_TAG_CHARS) }),
  z.object({ op: z.literal('visibility'), documentId: recordId, visibility }),
  z.object({ op: z.literal('stats') }),
]);

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
    z.object({ type: z.literal('capture'), action: z.literal('start'), source: z.enum(['webview', 'native']) }),
    z.object({ type: z.literal('capture'), action: z.literal('stop') }),
  ]),
  /** A knowledge-base request; a newer search from the same connection cancels an older one. */
  z.object({ type: z.literal('kb'), id: safeInteger, request: KbOperationSchema }),
  /**
   * How much of answer `answer`'s voice this webview has played, by its audio clock: sent as
   * chunks end (at most every PLAYBACK_REPORT_MS) and at once on pause, resume, stop and when the
   * queue runs dry, so the server knows what the user heard and when the answer played out.
   */
  z.object({ type: z.literal('playback'), answer: safeInteger.min(0), playedMs: z.number().min(0).max(MAX_PLAYED_MS), state: z.enum(PLAYBACK_STATES) }),
]);

export type ClientFrame = z.output<typeof ClientFrameSchema>;
export type KbOperation = z.input<typeof KbOperationSchema>;
