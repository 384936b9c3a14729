/**
 * Frames on the live WebSocket between a webview and the server. JSON text frames carry these
 * messages; binary frames are reserved for PCM audio while a capture is open.
 */

/** Largest frame the server accepts; bigger frames close the connection (1009). */
export const LIVE_MAX_FRAME_BYTES = 256 * 1024;
/** Frames per second a connection may send on average before it is closed (1008). */
export const LIVE_MAX_FRAMES_PER_SECOND = 200;
/** How long a burst above the average rate may last, in frames. */
export const LIVE_BURST_FRAMES = 400;
/**
 * Typed turns (`say` frames) per second a connection may send on average; more are refused with
 * an error notice. Each turn costs a model request. A person sends one every few seconds, so this
 * leaves room to correct a message at once, while a runaway client costs two requests a second.
 */
export const LIVE_MAX_TURNS_PER_SECOND = 2;
/** Turns a connection may send at once above that rate: a message and a quick correction or two. */
export const LIVE_BURST_TURNS = 3;

/** Query parameter that carries the per-launch token in the WebSocket URL. */
export const LIVE_TOKEN_PARAM = 'token';

/** Longest typed message the server accepts, in characters. */
export const LIVE_MAX_SAY_CHARS = 20_000;

/** What the server sends a webview; declared as a schema the webviews parse every frame with. */
export type { ServerFrame } from './serverFrames';

export const APPROVAL_KINDS = ['command', 'cell'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export const CELL_LANGUAGES = ['python', 'node'] as const;
export type CellLanguage = (typeof CELL_LANGUAGES)[number];
export const RUN_OUTCOMES = ['ok', 'error', 'timeout', 'memory', 'killed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** What a webview sends; declared as a schema the server parses every frame with. */
export type { ClientFrame } from './clientFrames';

/** `done`: nothing of the answer is left to play (all of it played, or it was stopped). */
export type PlaybackState = 'playing' | 'paused' | 'done';
export const PLAYBACK_STATES: readonly PlaybackState[] = ['playing', 'paused', 'done'];
/** How often a webview reports playback while it plays, at most. */
export const PLAYBACK_REPORT_MS = 250;

export const CAPTURE_SOURCES = ['webview', 'native'] as const;
export type CaptureSource = (typeof CAPTURE_SOURCES)[number];

/** Close codes the server uses, so the webview can tell a bad frame from a restart. */
export const LiveClose = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
} as const;

/** Sample rate of microphone PCM sent to the server. */
export const CAPTURE_SAMPLE_RATE = 16_000;

/**
 * A binary frame of assistant audio: a 4-byte little-endian sample rate, then mono s16le PCM.
 * (Binary frames from the webview carry microphone PCM only, at CAPTURE_SAMPLE_RATE.)
 */
export function encodeAudioFrame(pcm: Int16Array, sampleRate: number): Uint8Array {
  const frame = new Uint8Array(4 + pcm.byteLength);
  new DataView(frame.buffer).setUint32(0, sampleRate, true);
  frame.set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), 4);
  return frame;
}

export function decodeAudioFrame(frame: ArrayBuffer): { sampleRate: number; pcm: Int16Array } {
  const sampleRate = new DataView(frame).getUint32(0, true);
  return { sampleRate, pcm: new Int16Array(frame.slice(4)) };
}

/** The URL a webview opens: the endpoint's address with the token as a query parameter. */
export function liveUrl(endpoint: { url: string; token: string }): string {
  return `${endpoint.url}?${LIVE_TOKEN_PARAM}=${encodeURIComponent(endpoint.token)}`;
}
