/**
 * Parley's own voice in the microphone. With speakers and no headset the answer being played
 * reaches the microphone a little later and quieter, and would count as the user talking over it.
 * Webview and browser capture ask the browser for echo cancellation; the server's own recording
 * has none. So the voice loop compares what the microphone hears with what it is playing — it
 * knows the signal, and the sink says how far playback has got — and, where the sound cannot tell
 * (a recognizer already gave words), the words heard with the words being spoken.
 *
 * The comparison is the highest normalised correlation between the microphone's last WINDOW_MS
 * and the answer's audio up to where it has played, at every delay up to ECHO_MAX_DELAY_MS
 * (speaker and microphone buffers, the room), at 8 kHz. An echo correlates strongly at its delay
 * however quiet it is; the user's voice does not correlate with the answer, and on top of an echo
 * it brings the correlation down.
 */
import type { PcmHistory } from '../audio/history';
import { SAMPLE_RATE } from '../audio/pcm';
import type { Logger } from '../log';

/** The longest delay from the speaker to the microphone looked for. */
export const ECHO_MAX_DELAY_MS = 400;
/** How much of the microphone is compared. */
export const ECHO_WINDOW_MS = 200;
/** Correlation at or above which the microphone hears the answer, not the user. */
export const ECHO_LIKENESS = 0.5;
/**
 * Speech heard as the answer's echo is compared again at every voiced frame, over a shorter
 * window and only near the delay it was found at: a few hundred times less work than the first
 * comparison, so the user talking over the echo is noticed within a frame or two.
 */
const RECHECK_WINDOW_MS = 100;
const RECHECK_SEARCH_MS = 12;
/** How much louder than the echo alone the microphone must be for a sound unlike the answer to be the user (4 dB). */
const USER_OVER_ECHO = 2.5;
/** Frames at or above this speech probability are voice (as the voice loop counts them). */
const VOICED = 0.5;
/** The comparison's sample rate: enough for the voice's periods, a quarter of the work of 16 kHz. */
const RATE = 8_000;
/** Below this mean square the microphone is silent: nothing to compare. */
const SILENT = 1e-7;

/** The answer's audio as played, kept at RATE for comparison with the microphone. */
export class PlaybackReference {
  private samples = new Float32Array(RATE * 4);
  private length = 0;

  /** A new answer: its audio counts from zero, as the sink's played time does. */
  reset(): void {
    this.length = 0;
  }

  append(pcm: Int16Array, sampleRate: number): void {
    const added = Math.floor((pcm.length * RATE) / sampleRate);
    if (this.length + added > this.samples.length) {
      const grown = new Float32Array(Math.max(this.samples.length * 2, this.length + added));
      grown.set(this.samples.subarray(0, this.length));
      this.samples = grown;
    }
    // Each output sample is the mean of the input samples it covers: a box filter against aliasing.
    const step = sampleRate / RATE;
    for (let i = 0; i < added; i++) {
      const from = Math.floor(i * step);
      const to = Math.max(from + 1, Math.floor((i + 1) * step));
      let sum = 0;
      for (let j = from; j < to && j < pcm.length; j++) sum += pcm[j]!;
      this.samples[this.length + i] = sum / (to - from) / 0x8000;
    }
    this.length += added;
  }

  /** The audio between `fromMs` and `toMs` of the answer, silence where there is none. */
  slice(fromMs: number, toMs: number): Float32Array {
    const from = Math.round((fromMs * RATE) / 1000);
    const out = new Float32Array(Math.max(0, Math.round((toMs * RATE) / 1000) - from));
    for (let i = 0; i < out.length; i++) {
      const at = from + i;
      if (at >= 0 && at < this.length) out[i] = this.samples[at]!;
    }
    return out;
  }

  get ms(): number {
    return (this.length / RATE) * 1000;
  }
}

/** How the microphone's last moments compare with the answer. */
export interface EchoMatch {
  /** The highest normalised correlation: 0 (nothing alike) to 1 (the answer itself). */
  likeness: number;
  /** The delay it was found at. */
  delayMs: number;
  /** Mean square of the microphone's window, and of the answer's at that delay. */
  micPower: number;
  answerPower: number;
}

export interface MatchOptions {
  /** How much of the microphone to compare (default ECHO_WINDOW_MS). */
  windowMs?: number;
  /** The delays to look at (default 0 to ECHO_MAX_DELAY_MS). */
  fromDelayMs?: number;
  toDelayMs?: number;
}

/**
 * Compares the microphone's last `windowMs` (16 kHz s16le) with the answer played up to
 * `playedMs`, at every delay from `fromDelayMs` to `toDelayMs`. Undefined when the microphone is
 * silent or not enough of the answer has played to compare with.
 */
export function matchEcho(mic: Buffer, reference: PlaybackReference, playedMs: number, options: MatchOptions = {}): EchoMatch | undefined {
  const { windowMs = ECHO_WINDOW_MS, fromDelayMs = 0, toDelayMs = ECHO_MAX_DELAY_MS } = options;
  const micSamples = decimate(mic.subarray(Math.max(0, mic.length - Math.round((windowMs * SAMPLE_RATE) / 1000) * 2)));
  const n = micSamples.length;
  if (n === 0) return undefined;
  let micEnergy = 0;
  for (const x of micSamples) micEnergy += x * x;
  if (micEnergy / n < SILENT) return undefined;
  const minLag = Math.max(0, Math.round((fromDelayMs * RATE) / 1000));
  const maxLag = Math.round((toDelayMs * RATE) / 1000);
  // ref[k] is the answer at (samples) playedMs - n - maxLag + k; mic[i] heard ref[maxLag - lag + i].
  const ref = reference.slice(playedMs - (n / RATE) * 1000 - toDelayMs, playedMs - (minLag / RATE) * 1000);
  if (ref.length < n + maxLag - minLag) return undefined;
  let refEnergy = 0;
  for (let i = maxLag - minLag; i < maxLag - minLag + n; i++) refEnergy += ref[i]! * ref[i]!;
  let best: EchoMatch = { likeness: 0, delayMs: fromDelayMs, micPower: micEnergy / n, answerPower: refEnergy / n };
  for (let lag = minLag; lag <= maxLag; lag++) {
    const start = maxLag - lag;
    // Slide the answer's window one sample earlier: add its new first sample, drop its last.
    if (lag > minLag) refEnergy += ref[start]! * ref[start]! - ref[start + n]! * ref[start + n]!;
    if (refEnergy <= SILENT * n) continue;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += micSamples[i]! * ref[start + i]!;
    const likeness = dot / Math.sqrt(micEnergy * refEnergy);
    if (likeness > best.likeness) best = { likeness, delayMs: (lag / RATE) * 1000, micPower: micEnergy / n, answerPower: refEnergy / n };
  }
  return best;
}

/** Mean square of the answer's last `windowMs` that the microphone hears now, if it lags `delayMs`. */
export function answerPowerAt(reference: PlaybackReference, playedMs: number, delayMs: number, windowMs = ECHO_WINDOW_MS): number {
  const window = reference.slice(playedMs - delayMs - windowMs, playedMs - delayMs);
  let energy = 0;
  for (const x of window) energy += x * x;
  return window.length > 0 ? energy / window.length : 0;
}

/** 16 kHz s16le as RATE floats, each the mean of the two samples it covers. */
function decimate(pcm: Buffer): Float32Array {
  if (pcm.byteOffset % 2 !== 0) pcm = Buffer.from(pcm);
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  const step = SAMPLE_RATE / RATE;
  const out = new Float32Array(Math.floor(samples.length / step));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < step; j++) sum += samples[i * step + j]!;
    out[i] = sum / step / 0x8000;
  }
  return out;
}

/**
 * Whether `heard` is the answer's own words (`spoken`) come back through the microphone: most of
 * them, in the answer's order (the longest run in common, gaps allowed). A question that reuses a
 * few of the answer's words ("why is the list empty") is not; nor are one or two words ("stop").
 */
export function ownWords(heard: string, spoken: string): boolean {
  const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const heardWords = words(heard);
  if (heardWords.length < 3) return false;
  return inCommon(heardWords, words(spoken)) / heardWords.length >= 0.7;
}

/** The length of the longest common subsequence of two word lists. */
function inCommon(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const word of a) {
    const current = [0];
    for (let j = 1; j <= b.length; j++) current.push(word === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The voice loop's guard against its own voice: it keeps the answer's audio as it is played and
 * decides whether speech the VAD heard over it is the echo. Speech that starts as the echo is
 * compared again at every voiced frame; it stays the echo while it sounds like the answer, or
 * is no louder than the echo would be (a moment the answer does not match, such as a pause between
 * its words). Once it is neither, the user is talking over it. After the answer has played out its
 * echo still matches the answer's end for a moment; what comes later is the user's.
 */
export class EchoGuard {
  private readonly reference = new PlaybackReference();
  /** The echo being heard: when (stream ms) it was last checked, its delay, its power against the answer's, and its usual power. */
  private echo: { checkedAtMs: number; delayMs: number; gain: number; power: number } | undefined;

  constructor(
    private readonly mic: PcmHistory,
    private readonly playedMs: () => number,
    private readonly log: Logger,
  ) {}

  /** A new answer (or a replay) starts playing: its audio counts from zero, as the sink's played time does. */
  answerStarts(): void {
    this.reference.reset();
  }

  played(pcm: Int16Array, sampleRate: number): void {
    this.reference.append(pcm, sampleRate);
  }

  /** Whether the speech being heard is the answer's echo. */
  get hearingEcho(): boolean {
    return this.echo !== undefined;
  }

  /** Speech started at stream time `atMs` while the answer plays: whether it is the answer's echo. */
  speechStarts(atMs: number): boolean {
    const match = this.compare(atMs);
    if (!match || match.likeness < ECHO_LIKENESS) return false;
    this.echo = { checkedAtMs: atMs, delayMs: match.delayMs, gain: match.micPower / match.answerPower, power: match.micPower };
    this.log.debug('Speech over the answer is its own echo: playback goes on');
    return true;
  }

  /**
   * A frame while the echo is heard. Returns the stream time the user started talking over it
   * (the last check that found the echo alone) once they do; undefined while it is the echo.
   */
  frame(frame: { endMs: number; probability: number }): number | undefined {
    const echo = this.echo;
    if (!echo || frame.probability < VOICED) return undefined;
    const match = this.compare(frame.endMs, {
      windowMs: RECHECK_WINDOW_MS,
      fromDelayMs: echo.delayMs - RECHECK_SEARCH_MS,
      toDelayMs: Math.min(ECHO_MAX_DELAY_MS, echo.delayMs + RECHECK_SEARCH_MS),
    });
    if (!match || match.likeness >= ECHO_LIKENESS) {
      echo.checkedAtMs = frame.endMs;
      if (match) {
        echo.delayMs = match.delayMs;
        echo.gain = 0.7 * echo.gain + 0.3 * (match.micPower / match.answerPower);
        echo.power = 0.7 * echo.power + 0.3 * match.micPower;
      }
      return undefined;
    }
    const echoPower = echo.gain * answerPowerAt(this.reference, this.playedMs(), echo.delayMs, RECHECK_WINDOW_MS);
    if (match.micPower <= USER_OVER_ECHO * Math.max(echoPower, echo.power / 2)) {
      echo.checkedAtMs = frame.endMs;
      return undefined;
    }
    this.echo = undefined;
    this.log.debug('The user is talking over the echo: a barge-in');
    return echo.checkedAtMs;
  }

  /** Speech ended: whether it was the echo alone. */
  speechEnds(): boolean {
    const wasEcho = this.echo !== undefined;
    this.echo = undefined;
    return wasEcho;
  }

  /** The microphone's last moments, up to stream time `atMs`, compared with the answer playing. */
  private compare(atMs: number, options: MatchOptions = {}): EchoMatch | undefined {
    return matchEcho(this.mic.since(atMs - ECHO_WINDOW_MS), this.reference, this.playedMs(), options);
  }
}
