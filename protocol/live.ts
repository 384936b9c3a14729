/**
 * Frames on the live WebSocket between a webview and the server. JSON text frames carry these
 * messages; binary frames are reserved for PCM audio while a capture is open.
 */
import type { StoredTurn, ToolCallRecord } from './session';
import type { ServerStatus, StatusReport } from './status';

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

export type ServerFrame =
  | { type: 'hello'; report: StatusReport; status: ServerStatus }
  | { type: 'status'; status: ServerStatus }
  | { type: 'report'; report: StatusReport }
  | { type: 'pong'; id: number }
  /** The conversation so far, sent on connect so a reopened panel shows it. */
  | { type: 'history'; turns: StoredTurn[] }
  /** A turn was committed to history. */
  | { type: 'turn'; turn: StoredTurn }
  /** Whether an answer is being produced now. */
  | { type: 'answering'; active: boolean }
  /** More text of the answer in progress. */
  | { type: 'assistantDelta'; text: string }
  /** A tool call of the answer in progress started or finished. */
  | { type: 'toolCall'; call: ToolCallRecord; state: 'running' | 'done' }
  /** What the user is saying: partial while they speak, final when the turn ends. */
  | { type: 'transcript'; text: string; final: boolean; editable?: boolean }
  /** Playback of the assistant's voice: paused at speech onset, resumed after a false alarm, stopped on barge-in. */
  | { type: 'playback'; action: 'pause' | 'resume' | 'stop' }
  /** The audio that follows is answer `answer`'s: its playback reports count from zero. */
  | { type: 'playback'; action: 'start'; answer: number }
  /** This connection's capture: listening, or stopped (with why, when it was not asked for). */
  | { type: 'capture'; state: 'listening'; source: CaptureSource; device?: string }
  | { type: 'capture'; state: 'stopped'; reason?: string }
  /** Something the user should know about the conversation, e.g. that no model is configured. */
  | { type: 'notice'; level: 'error' | 'warning' | 'info'; message: string }
  /**
   * The assistant asks to run a command (or a REPL cell): the exact line, the folder and why.
   * Nothing runs until this panel answers with an `approve` frame; `preapproved` when the command
   * is on the workspace's always-allow list, and the card only shows it running.
   */
  | { type: 'approval'; id: string; kind: ApprovalKind; command: string; cwd: string; reason: string; preapproved?: boolean; language?: CellLanguage }
  /** What became of an approval card: its run started, the user denied it, or the answer was stopped before anyone decided. */
  | { type: 'approvalState'; id: string; state: 'running' | 'denied' | 'cancelled' }
  /** Output of a running card's command as it comes, stdout and stderr interleaved, colour codes (SGR) only. */
  | { type: 'runOutput'; id: string; stream: 'stdout' | 'stderr'; text: string }
  /** A figure a running REPL cell drew (matplotlib), as a PNG in base64. */
  | { type: 'runImage'; id: string; png: string }
  /** A card's run ended: how, its exit code or signal, and how long it took. */
  | { type: 'runEnd'; id: string; outcome: RunOutcome; exitCode: number | null; signal: string | null; ms: number; reason?: string; droppedChars?: number }
  /** The commands that run without asking in this workspace, each as its parsed words. */
  | { type: 'allowedCommands'; commands: string[][] };

export type ApprovalKind = 'command' | 'cell';
export const CELL_LANGUAGES = ['python', 'node'] as const;
export type CellLanguage = (typeof CELL_LANGUAGES)[number];
export type RunOutcome = 'ok' | 'error' | 'timeout' | 'memory' | 'killed';

/** What a webview sends; declared as a schema the server parses every frame with. */
export type { ClientFrame } from './clientFrames';

/** `done`: nothing of the answer is left to play (all of it played, or it was stopped). */
export type PlaybackState = 'playing' | 'paused' | 'done';
export const PLAYBACK_STATES: readonly PlaybackState[] = ['playing', 'paused', 'done'];
/** How often a webview reports playback while it plays, at most. */
export const PLAYBACK_REPORT_MS = 250;

export type CaptureSource = 'webview' | 'native';

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
