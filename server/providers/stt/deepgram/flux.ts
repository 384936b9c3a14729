/**
 * Deepgram Flux through the official SDK (`listen.v2`, flux-general-en): conversational speech
 * recognition that decides when the user's turn is over. It hears the whole microphone stream and
 * ends turns itself; with `eagerEndOfTurn` it also says early when a turn is probably over, so an
 * answer can be prepared before the turn is confirmed.
 */
import { DeepgramClient } from '@deepgram/sdk';
import type { Logger } from '../../../log';
import { SAMPLE_RATE } from '../../../audio/pcm';
import { guardFor, type GuardOptions } from '../../resilience';
import { keyterms } from '../../../voice/vocabulary';
import { STT, type SttOpenOptions } from '../stt';
import { DeepgramFluxStream } from './flux-stream';
import type { DeepgramStreamTiming } from './socket';

export const FLUX_DEFAULT_MODEL = 'flux-general-en';

/** Flux models are named flux-general-en, flux-general-multi: every one of them speaks /v2/listen. */
export function isFluxModel(model: string): boolean {
  return /^flux-/i.test(model.trim());
}

export interface DeepgramFluxOptions extends GuardOptions {
  apiKey: string;
  /** Default: Deepgram's API. A test stand-in or proxy, as http(s):// or ws(s)://. */
  baseUrl?: string;
  /** Default flux-general-en. */
  model?: string;
  /** Ask for EagerEndOfTurn / TurnResumed (sets eager_eot_threshold). */
  eagerEndOfTurn?: boolean;
  /** End-of-turn confidence that ends a turn, 0.5–1.0 (Deepgram's default 0.7). */
  eotThreshold?: number;
  /** Confidence that sends EagerEndOfTurn, 0.3–0.9, at most eotThreshold (default 0.5). */
  eagerEotThreshold?: number;
  /** A turn ends this long after speech whatever the confidence, 500–60 000 ms (Deepgram's default 5000). */
  eotTimeoutMs?: number;
  /** Words to favour (`keyterm`), such as names from the workspace. */
  keyterms?: string[];
  /** Silence sent after this long without audio (default 4000 ms; Deepgram closes idle sockets). */
  keepAliveMs?: number;
  /** How long close() waits for the last messages (default 2000 ms). */
  closeTimeoutMs?: number;
}

export class DeepgramFluxStt extends STT {
  readonly provider = 'deepgram';
  readonly streaming = true;
  override get continuous(): boolean {
    return true;
  }
  readonly model: string;
  readonly #client: DeepgramClient;
  readonly #timing: DeepgramStreamTiming;

  constructor(
    private readonly options: DeepgramFluxOptions,
    log: Logger,
  ) {
    super(guardFor(options, 'stt', 'deepgram', [options.baseUrl, options.model]), log);
    this.model = options.model || FLUX_DEFAULT_MODEL;
    this.#client = new DeepgramClient({ apiKey: options.apiKey, baseUrl: options.baseUrl || undefined });
    this.#timing = { keepAliveMs: options.keepAliveMs ?? 4_000, closeTimeoutMs: options.closeTimeoutMs ?? 2_000 };
  }

  protected override openStream(options: Required<SttOpenOptions>, signal: AbortSignal | undefined): Promise<DeepgramFluxStream> {
    // As for /v1: a fresh socket per attempt, the SDK's reconnecting off, the guard decides.
    return this.guard.run(async (attemptSignal) => {
      const stream = new DeepgramFluxStream(await this.#connection(options.vocabulary), this.log, this.#timing);
      await stream.start(attemptSignal);
      return stream;
    }, signal);
  }

  #connection(vocabulary: readonly string[]) {
    const { eagerEndOfTurn, eotThreshold, eagerEotThreshold = 0.5, eotTimeoutMs, keyterms: own = [] } = this.options;
    const terms = keyterms(vocabulary, own);
    return this.#client.listen.v2.connect({
      model: this.model,
      encoding: 'linear16',
      sample_rate: SAMPLE_RATE,
      ...(eotThreshold === undefined ? {} : { eot_threshold: eotThreshold }),
      ...(eagerEndOfTurn ? { eager_eot_threshold: eagerEotThreshold } : {}),
      ...(eotTimeoutMs === undefined ? {} : { eot_timeout_ms: eotTimeoutMs }),
      ...(terms.length ? { keyterm: terms } : {}),
      shouldReconnect: () => false,
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: Math.max(1, Math.ceil(this.guard.options.timeoutMs / 1000)),
    });
  }
}
