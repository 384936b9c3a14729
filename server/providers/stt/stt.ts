/**
 * The speech-to-text stage. `STT` is one configured provider; `open()` gives a `SttStream` for one
 * conversation. The public methods of both classes own what every provider must do alike —
 * sample alignment, per-turn bookkeeping and metrics, the one event shape, closing once, abort,
 * logging — and call a provider's protected hooks for the rest (livekit agents-js `stt/stt.ts`).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { SttProvider } from '../../../protocol/settings';
import { errorMessage, type Logger } from '../../log';
import { pcmDurationMs, SampleAligner } from '../../audio/pcm';
import { ProviderError } from '../errors';
import type { Guard } from '../resilience';
import { sttEvent, type EndOfTurnReason, type LocalEndOfTurnReason, type SttEvent } from './events';

export interface SttOpenOptions {
  /**
   * The longest turn accepted, in ms of audio (default 60 000). Per-turn providers hold a turn's
   * audio in memory until it ends; past this the turn is dropped with an error.
   */
  maxTurnMs?: number;
  /**
   * Names the user is likely to say (the workspace's identifiers and files, most relevant first;
   * voice/vocabulary.ts): Deepgram gets them as keyterms when the stream opens, OpenAI
   * transcription in its prompt with each turn (updated with `SttStream.vocabulary`).
   */
  vocabulary?: readonly string[];
}

export const DEFAULT_MAX_TURN_MS = 60_000;

export abstract class STT {
  abstract readonly provider: SttProvider;
  abstract readonly model: string;
  /** True when text arrives while the user speaks; false when each turn is transcribed once it ends. */
  abstract readonly streaming: boolean;
  /**
   * True when the provider should hear the whole microphone stream, silence included, because it
   * finds the turns itself (Flux); false when it gets only the speech Parley's VAD found.
   */
  get continuous(): boolean {
    return false;
  }

  constructor(
    /** The provider's timeout, retries and circuit breaker (one per provider instance). */
    readonly guard: Guard,
    protected readonly log: Logger,
  ) {}

  /** Opens a stream; it closes when `signal` aborts. Rejects with a ProviderError. */
  async open(options: SttOpenOptions = {}, signal?: AbortSignal): Promise<SttStream> {
    signal?.throwIfAborted();
    const started = performance.now();
    try {
      const vocabulary = options.vocabulary ?? [];
      const stream = await this.openStream({ maxTurnMs: options.maxTurnMs ?? DEFAULT_MAX_TURN_MS, vocabulary }, signal);
      stream.vocabulary = vocabulary;
      stream.closeOn(signal);
      this.log.info('Speech-to-text stream opened', { provider: this.provider, model: this.model, openMs: Math.round(performance.now() - started) });
      return stream;
    } catch (error) {
      this.log.warn('Speech-to-text stream could not open', { provider: this.provider, error: errorMessage(error) });
      throw error;
    }
  }

  protected abstract openStream(options: Required<SttOpenOptions>, signal: AbortSignal | undefined): Promise<SttStream>;
}

/** What one turn consumed, taken when the turn is cut off from the audio that follows it. */
export interface TurnAudio {
  audioMs: number;
  /** performance.now() of the endTurn() call, if the turn was ended locally. */
  endTurnAt?: number;
}

export abstract class SttStream extends EventEmitter<{ event: [SttEvent] }> {
  /** The names the user is likely to say now, for providers that take them with each turn. */
  vocabulary: readonly string[] = [];
  readonly #aligner = new SampleAligner();
  #turnBytes = 0;
  #endTurnAt: number | undefined;
  #settled: string[] = [];
  #closing: Promise<void> | undefined;
  #closed = false;

  constructor(
    readonly provider: SttProvider,
    protected readonly log: Logger,
  ) {
    super();
  }

  /** True once close() was called or a fatal error ended the stream: pushes are then ignored. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Sends mono s16le 16 kHz PCM of any length; a split sample waits for the next chunk. */
  push(pcm: Buffer): void {
    if (this.closed) return;
    const samples = this.#aligner.push(pcm);
    if (samples.length === 0) return;
    this.#turnBytes += samples.length;
    this.sendAudio(samples);
  }

  /**
   * The user's turn is over (push-to-talk released, or local voice activity detection heard the
   * end): transcribe what is pending now. An `endOfTurn` with this reason follows unless nothing
   * was said, or the provider ended the turn itself first.
   */
  endTurn(reason: LocalEndOfTurnReason = 'pushToTalk'): void {
    if (this.closed) return;
    this.#endTurnAt ??= performance.now();
    this.#aligner.reset();
    this.finishTurn(reason);
  }

  /** Finishes politely (the provider may still deliver settled text), then releases everything. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * The input ended (the microphone stopped): turns already ended are still transcribed, then the
   * stream closes. close() instead drops work in progress, as a cancelled session must.
   */
  async finishInput(): Promise<void> {
    if (!this.closed) await this.drain();
    await this.close();
  }

  /** Waits until the turns already ended have been transcribed; nothing to wait for by default. */
  protected drain(): Promise<void> {
    return Promise.resolve();
  }

  /** @internal Used by STT.open: closes the stream when the opener's signal aborts. */
  closeOn(signal: AbortSignal | undefined): void {
    signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Sends whole samples to the provider. */
  protected abstract sendAudio(pcm: Buffer): void;
  /** Asks the provider to settle the current turn now. */
  protected abstract finishTurn(reason: LocalEndOfTurnReason): void;
  /** Ends the provider session; settled text may still be emitted until it resolves. */
  protected abstract shutdown(): Promise<void>;

  /** Cuts the current turn off from the audio that follows: its audio length and endTurn() time. */
  protected takeTurn(): TurnAudio {
    const turn = { audioMs: Math.round(pcmDurationMs(this.#turnBytes)), endTurnAt: this.#endTurnAt };
    this.#turnBytes = 0;
    this.#endTurnAt = undefined;
    return turn;
  }

  protected speechStarted(atMs?: number): void {
    this.#emit(sttEvent('speechStarted', this.provider, { atMs }));
  }

  /** Text still changing after the settled part of the turn. */
  protected interim(unsettled: string): void {
    const text = [...this.#settled, unsettled.trim()].filter(Boolean).join(' ');
    if (text) this.#emit(sttEvent('interim', this.provider, { text }));
  }

  /** The provider expects the turn to end here; the text is the whole turn so far. */
  protected eagerEndOfTurn(text: string): void {
    const turn = text.trim();
    if (turn) this.#emit(sttEvent('eagerEndOfTurn', this.provider, { text: turn }));
  }

  /** The user went on after an eager end of turn. */
  protected turnResumed(text: string): void {
    this.#emit(sttEvent('turnResumed', this.provider, { text: text.trim() }));
  }

  /** A piece of the turn the provider will not change any more. */
  protected settle(text: string, confidence?: number): void {
    const piece = text.trim();
    if (!piece) return;
    this.#settled.push(piece);
    this.#emit(sttEvent('final', this.provider, { text: piece, confidence }));
  }

  /**
   * Ends the turn with its settled text. A turn with none ends silently and, unless `turn` was
   * taken already, leaves the audio count running: the provider's signal came after an ended turn.
   */
  protected completeTurn(reason: EndOfTurnReason, turn?: TurnAudio): void {
    const text = this.#settled.join(' ');
    this.#settled = [];
    if (!text) return;
    turn ??= this.takeTurn();
    const finalizeMs = turn.endTurnAt === undefined ? undefined : Math.round(performance.now() - turn.endTurnAt);
    this.#emit(sttEvent('endOfTurn', this.provider, { reason, text, audioMs: turn.audioMs, finalizeMs }));
  }

  /** Reports a failure; a fatal one closes the stream. */
  protected fail(error: ProviderError, fatal: boolean): void {
    if (this.#closed) return;
    this.log.warn('Speech-to-text failed', { provider: this.provider, error: error.message, retryable: error.retryable, fatal });
    this.#emit(sttEvent('error', this.provider, { error, fatal }));
    if (fatal) void this.close();
  }

  async #shutdown(): Promise<void> {
    try {
      await this.shutdown();
    } catch (error) {
      this.log.warn('Speech-to-text stream did not close cleanly', { provider: this.provider, error: errorMessage(error) });
    } finally {
      this.#closed = true;
    }
  }

  #emit(event: SttEvent): void {
    if (!this.#closed) this.emit('event', event);
  }
}

/** The error for a turn longer than `maxTurnMs`. */
export function turnTooLongError(provider: SttProvider, maxTurnMs: number): ProviderError {
  return new ProviderError(
    'stt',
    provider,
    `This turn is longer than ${Math.round(maxTurnMs / 1000)} s, the most Parley transcribes at once; it was dropped. End turns sooner (release push-to-talk, or pause).`,
    false,
  );
}
