/**
 * Deepgram Aura text-to-speech: streaming over the `speak.v1` socket of `@deepgram/sdk`,
 * `aura-2-thalia-en` unless a model is set, linear16 at 24 kHz.
 */
import { DeepgramClient } from '@deepgram/sdk';
import type { Logger } from '../../../log';
import { guardFor, type Guard, type GuardOptions } from '../../resilience';
import { TtsStage, type TtsStreamRequest } from '../stage';
import type { TtsStream } from '../stream';
import { AURA_FLUSH_LIMIT, type FlushLimit } from './flush-budget';
import { AuraStream } from './stream';

export const AURA_DEFAULT_MODEL = 'aura-2-thalia-en';
export const AURA_SAMPLE_RATE = 24_000;
export { AURA_FLUSH_LIMIT, type FlushLimit } from './flush-budget';
export { CLEAR_TIMEOUT_MS } from './stream';

export interface AuraOptions extends GuardOptions {
  apiKey: string;
  /** Empty for Deepgram itself. */
  baseUrl: string;
  model: string;
  log: Logger;
  flushLimit?: FlushLimit;
}

export class AuraStage extends TtsStage {
  readonly provider = 'deepgram';
  readonly sampleRate = AURA_SAMPLE_RATE;
  readonly model: string;
  readonly guard: Guard;
  readonly #client: DeepgramClient;

  constructor(private readonly options: AuraOptions) {
    super();
    this.model = options.model || AURA_DEFAULT_MODEL;
    this.guard = guardFor(options, 'tts', 'deepgram', [options.baseUrl, options.model]);
    this.#client = new DeepgramClient({ apiKey: options.apiKey, baseUrl: options.baseUrl || undefined });
  }

  stream(request: TtsStreamRequest = {}): TtsStream {
    const { log, flushLimit = AURA_FLUSH_LIMIT } = this.options;
    return new AuraStream({
      provider: this.provider,
      sampleRate: this.sampleRate,
      log,
      signal: request.signal,
      client: this.#client,
      model: this.model,
      guard: this.guard,
      flushLimit,
    });
  }
}
