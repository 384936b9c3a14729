/**
 * One reply's (or one session's) text-to-speech: clauses in, PCM audio out, as typed events.
 *
 * The public methods wrap the providers' protected hooks, so every provider gets the same input
 * checks, per-clause accounting, TTFB per turn, barge-in semantics and error shape (after livekit
 * agents-js `tts/tts.ts`). A turn is the text between two `flush()` calls; the stream can carry
 * many turns, so a provider may keep its connection between them.
 *
 * Barge-in guarantee: once `clear()` is called no audio of earlier text is emitted, whatever the
 * provider still sends; `clear()` resolves once the provider has stopped (request aborted,
 * process killed, or Aura's `Cleared` received).
 */
import { performance } from 'node:perf_hooks';
import { errorMessage, redactText, type Logger } from '../../log';
import { hasSpeech, splitLong } from './text';
import { ProviderError, isRetryable } from '../errors';
import { ttsEvent, type TtsEvent, type TtsEventOf, type TtsEventType } from './events';
import { SampleAligner, samplesDurationMs, slices, toInt16 } from '../../audio/pcm';

/** Longer clauses are cut at word boundaries (about 25 s of speech), keeping each request short. */
export const MAX_CLAUSE_CHARS = 400;
/** Audio events carry at most this much audio, so each fits one live WebSocket frame. */
export const MAX_AUDIO_EVENT_MS = 100;

interface Turn {
  readonly id: number;
  readonly startedAt: number;
  firstAudioAt?: number;
  /** Segments not yet done or failed. */
  pending: number;
  segments: number;
  characters: number;
  audioMs: number;
  flushed: boolean;
}

/** One unit of synthesis: a clause as pushed, or several joined by the provider (see `absorb`). */
export interface Segment {
  readonly id: number;
  text: string;
  /** Segments of an older generation were cleared: their audio is dropped. */
  readonly generation: number;
  readonly turnId: number;
  audioMs: number;
}

interface SegmentState extends Segment {
  readonly turn: Turn;
  readonly samples: SampleAligner;
  settled: boolean;
}

export interface TtsStreamOptions {
  provider: string;
  sampleRate: number;
  log: Logger;
  /** Closes the stream when aborted. */
  signal?: AbortSignal;
}

type Listener = (event: TtsEvent) => void;

export abstract class TtsStream {
  readonly provider: string;
  /** The rate of this provider's audio events. */
  readonly sampleRate: number;
  protected readonly log: Logger;
  readonly #listeners = new Map<TtsEventType, Set<Listener>>();
  readonly #turns = new Set<Turn>();
  #open: Turn | undefined;
  #generation = 0;
  #nextSegmentId = 1;
  #nextTurnId = 1;
  #closed = false;
  /** Stops listening to the caller's signal once closed, so a long-lived signal does not keep the stream alive. */
  #detach: () => void = () => undefined;

  constructor(options: TtsStreamOptions) {
    this.provider = options.provider;
    this.sampleRate = options.sampleRate;
    this.log = options.log;
    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.#closeQuietly();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#detach = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** Subscribes to one kind of event; returns the unsubscribe function. */
  on<T extends TtsEventType>(type: T, listener: (event: TtsEventOf<T>) => void): () => void {
    const listeners = this.#listeners.get(type) ?? new Set<Listener>();
    this.#listeners.set(type, listeners);
    listeners.add(listener as Listener);
    return () => listeners.delete(listener as Listener);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues one clause for speech. Whitespace-only or unspeakable text (no letter or digit) is
   * ignored; a clause over MAX_CLAUSE_CHARS is cut at word boundaries into several segments.
   * A key-shaped string the model wrote is masked before any provider hears it (the log's mask:
   * a clause is pushed as it is written, and the model saw only masked text to begin with).
   */
  pushText(text: string): void {
    this.#assertOpen();
    const clean = redactText(text).replace(/\s+/g, ' ').trim();
    if (!hasSpeech(clean)) return;
    for (const piece of splitLong(clean, MAX_CLAUSE_CHARS)) this.speak(this.#newSegment(piece));
  }

  /**
   * Opens the provider's connection ahead of the first clause (say, when the user starts
   * speaking), so its handshake is not part of the reply's first audio. Never fails: a connection
   * problem is reported when text is spoken.
   */
  prepare(): void {
    if (!this.#closed) this.warmUp();
  }

  /** Ends the turn's text: the provider speaks what it holds; a `metrics` event follows its last audio. */
  flush(): void {
    this.#assertOpen();
    const turn = this.#open ?? this.#newTurn();
    this.#open = undefined;
    turn.flushed = true;
    this.endTurn();
    this.#finishIfDone(turn);
  }

  /** Barge-in: drops queued text and stops audio at once; resolves when the provider has stopped. */
  async clear(): Promise<void> {
    if (this.#closed) return;
    this.#generation++;
    this.#cancelTurns();
    await this.cancel();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.#generation++;
    this.#cancelTurns();
    try {
      await this.shutdown();
    } finally {
      this.#listeners.clear();
    }
  }

  /** A new segment to synthesize, in order after the previous ones. */
  protected abstract speak(segment: Segment): void;
  /** The turn's text is complete. */
  protected endTurn(): void {}
  /** Connect ahead of text, for providers with a connection to open. */
  protected warmUp(): void {}
  /** Stop producing audio and forget all text; resolve once stopped. */
  protected abstract cancel(): Promise<void>;
  protected abstract shutdown(): Promise<void>;

  /** False once the segment was cleared or the stream closed: its audio must not be played. */
  protected isCurrent(segment: Segment): boolean {
    return !this.#closed && segment.generation === this.#generation;
  }

  /** Audio bytes (16-bit little-endian mono PCM, any chunking) for a segment. */
  protected deliver(segment: Segment, bytes: Uint8Array, sampleRate = this.sampleRate): void {
    const state = segment as SegmentState;
    if (!this.isCurrent(state) || state.settled) return;
    const samples = toInt16(state.samples.push(bytes));
    if (samples.length === 0) return;
    state.turn.firstAudioAt ??= performance.now();
    for (const pcm of slices(samples, sampleRate, MAX_AUDIO_EVENT_MS)) {
      const durationMs = samplesDurationMs(pcm.length, sampleRate);
      state.audioMs += durationMs;
      state.turn.audioMs += durationMs;
      this.#emit(ttsEvent('audio', { segmentId: state.id, pcm, sampleRate, durationMs }));
    }
  }

  /** All of a segment's audio has been delivered. */
  protected complete(segment: Segment): void {
    const state = segment as SegmentState;
    if (!this.isCurrent(state) || state.settled) return;
    if (state.samples.pending) {
      const problem = `${this.provider} sent audio that is not 16-bit PCM (an odd number of bytes) for "${preview(state.text)}".`;
      return this.fail(new ProviderError('tts', this.provider, problem, false), [state]);
    }
    this.#emit(ttsEvent('segmentDone', { segmentId: state.id, text: state.text, audioMs: state.audioMs }));
    this.#settle(state);
  }

  /** Joins a later segment of the same turn into an earlier one that has no audio yet. */
  protected absorb(into: Segment, segment: Segment): void {
    const [target, source] = [into as SegmentState, segment as SegmentState];
    if (target.turn !== source.turn) throw new Error('Only segments of one turn can be joined.');
    target.text = `${target.text} ${source.text}`;
    source.settled = true;
    source.turn.pending--;
    source.turn.segments--;
  }

  /** Drops a segment without speaking it (for a stage that does not speak). */
  protected discard(segment: Segment): void {
    const state = segment as SegmentState;
    state.turn.segments--;
    this.#settle(state);
  }

  /** The segments will not be (fully) spoken; reports the error once for all of them. */
  protected fail(error: unknown, segments: readonly Segment[]): void {
    const failed = (segments as SegmentState[]).filter((s) => this.isCurrent(s) && !s.settled);
    if (failed.length === 0) {
      this.log.debug(`${this.provider} text-to-speech: ${errorMessage(error)} (nothing left to speak)`);
      return;
    }
    this.#emit(ttsEvent('error', { error: this.#asProviderError(error), segmentIds: failed.map((s) => s.id) }));
    for (const segment of failed) this.#settle(segment);
  }

  #newSegment(text: string): SegmentState {
    const turn = (this.#open ??= this.#newTurn());
    turn.pending++;
    turn.segments++;
    turn.characters += text.length;
    return { id: this.#nextSegmentId++, text, generation: this.#generation, turnId: turn.id, turn, audioMs: 0, samples: new SampleAligner(), settled: false };
  }

  #newTurn(): Turn {
    const turn: Turn = { id: this.#nextTurnId++, startedAt: performance.now(), pending: 0, segments: 0, characters: 0, audioMs: 0, flushed: false };
    this.#turns.add(turn);
    return turn;
  }

  #settle(segment: SegmentState): void {
    if (segment.settled) return;
    segment.settled = true;
    segment.turn.pending--;
    this.#finishIfDone(segment.turn);
  }

  #finishIfDone(turn: Turn): void {
    if (turn.flushed && turn.pending === 0 && this.#turns.has(turn)) this.#finish(turn, false);
  }

  #cancelTurns(): void {
    for (const turn of [...this.#turns]) this.#finish(turn, true);
    this.#open = undefined;
  }

  #finish(turn: Turn, cancelled: boolean): void {
    this.#turns.delete(turn);
    const now = performance.now();
    const ttfbMs = turn.firstAudioAt === undefined ? null : turn.firstAudioAt - turn.startedAt;
    const { audioMs, characters, segments } = turn;
    this.#emit(ttsEvent('metrics', { provider: this.provider, ttfbMs, durationMs: now - turn.startedAt, audioMs, characters, segments, cancelled }));
  }

  #emit(event: TtsEvent): void {
    const listeners = this.#listeners.get(event.type);
    if (event.type === 'error' && !listeners?.size) this.log.error(`${this.provider} text-to-speech failed`, { error: event.error });
    for (const listener of listeners ?? []) {
      try {
        listener(event);
      } catch (error) {
        this.log.error(`A text-to-speech ${event.type} listener threw`, { error });
      }
    }
  }

  #asProviderError(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    return new ProviderError('tts', this.provider, `${this.provider} text-to-speech failed: ${errorMessage(error)}`, isRetryable(error), { cause: error });
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('This text-to-speech stream is closed.');
  }

  #closeQuietly(): void {
    this.close().catch((error: unknown) => this.log.warn(`Closing the ${this.provider} text-to-speech stream failed`, { error }));
  }
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
