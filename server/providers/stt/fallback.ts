/**
 * A recognizer with fallbacks: opening a stream tries the configured provider, then each
 * fallback in order, while the failure is one worth a try elsewhere (down, rate-limited, timing
 * out, or its circuit open). Once a stream is open the choice is made: a recognizer that fails
 * mid-turn reports it, since the audio it heard is gone.
 *
 * The stage serves one voice session at a time (one capture per window, one run on the command
 * line): `continuous` and `streaming` are those of the provider that opened the latest stream.
 */
import type { SttProvider } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { isRetryable } from '../errors';
import { withFallback } from '../resilience';
import { DEFAULT_MAX_TURN_MS, STT, type SttOpenOptions, type SttStream } from './stt';

export class FallbackStt extends STT {
  #current: STT;

  constructor(
    readonly providers: readonly [STT, ...STT[]],
    log: Logger,
  ) {
    super(providers[0].guard, log);
    this.#current = providers[0];
  }

  get provider(): SttProvider {
    return this.#current.provider;
  }

  get model(): string {
    return this.#current.model;
  }

  get streaming(): boolean {
    return this.#current.streaming;
  }

  override get continuous(): boolean {
    return this.#current.continuous;
  }

  /** Each provider's own open() logs and closes its stream with the signal. */
  override open(options: SttOpenOptions = {}, signal?: AbortSignal): Promise<SttStream> {
    signal?.throwIfAborted();
    return this.openStream({ maxTurnMs: options.maxTurnMs ?? DEFAULT_MAX_TURN_MS, vocabulary: options.vocabulary ?? [] }, signal);
  }

  protected override openStream(options: Required<SttOpenOptions>, signal: AbortSignal | undefined): Promise<SttStream> {
    return withFallback(this.providers, (stt) => this.#openWith(stt, options, signal), signal);
  }

  async #openWith(stt: STT, options: Required<SttOpenOptions>, signal: AbortSignal | undefined): Promise<SttStream> {
    try {
      const stream = await stt.open(options, signal);
      this.#current = stt;
      return stream;
    } catch (error) {
      const next = this.providers[this.providers.indexOf(stt) + 1];
      if (next && !signal?.aborted && isRetryable(error))
        this.log.warn('Speech to text could not start; trying the next recognizer', { failed: stt.provider, next: next.provider });
      throw error;
    }
  }
}
