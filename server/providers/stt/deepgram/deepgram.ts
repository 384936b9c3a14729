/**
 * Deepgram live transcription through the official SDK (`listen.v1`, nova-3 by default): 16 kHz
 * linear16 audio streamed as it is captured, interim results, smart formatting, Deepgram's
 * endpointing and utterance-end signals, voice-activity events.
 */
import { DeepgramClient } from '@deepgram/sdk';
import type { Logger } from '../../../log';
import { SAMPLE_RATE } from '../../../audio/pcm';
import { guardFor, type GuardOptions } from '../../resilience';
import { keyterms } from '../../../voice/vocabulary';
import { STT, type SttOpenOptions } from '../stt';
import { DeepgramStream, type DeepgramStreamTiming } from './stream';

export const DEEPGRAM_DEFAULT_MODEL = 'nova-3';

export interface DeepgramSttOptions extends GuardOptions {
  apiKey: string;
  /** Default: Deepgram's API. A test stand-in or proxy, as http(s):// or ws(s)://. */
  baseUrl?: string;
  /** Default nova-3. */
  model?: string;
  /** Default en. */
  language?: string;
  /** Silence after speech that makes Deepgram end a turn (speech_final); 300 ms suits conversation. */
  endpointingMs?: number;
  /** Gap after the last word that makes Deepgram send UtteranceEnd; at least 1000 ms. */
  utteranceEndMs?: number;
  /** Words to favour (nova-3 `keyterm`), such as names from the workspace. */
  keyterms?: string[];
  /** KeepAlive interval while no audio flows (default 4000 ms; Deepgram closes after 10 s idle). */
  keepAliveMs?: number;
  /** How long close() waits for the last results (default 2000 ms). */
  closeTimeoutMs?: number;
}

export class DeepgramStt extends STT {
  readonly provider = 'deepgram';
  readonly streaming = true;
  readonly model: string;
  readonly #client: DeepgramClient;
  readonly #timing: DeepgramStreamTiming;

  constructor(
    private readonly options: DeepgramSttOptions,
    log: Logger,
  ) {
    super(guardFor(options, 'stt', 'deepgram', [options.baseUrl, options.model]), log);
    this.model = options.model || DEEPGRAM_DEFAULT_MODEL;
    this.#client = new DeepgramClient({ apiKey: options.apiKey, baseUrl: options.baseUrl || undefined });
    this.#timing = { keepAliveMs: options.keepAliveMs ?? 4_000, closeTimeoutMs: options.closeTimeoutMs ?? 2_000 };
  }

  protected override openStream(options: Required<SttOpenOptions>, signal: AbortSignal | undefined): Promise<DeepgramStream> {
    // Each attempt is a fresh socket; the SDK's own reconnecting is off so that the guard alone
    // decides about retries and a dropped session is reported instead of silently replaced.
    return this.guard.run(async (attemptSignal) => {
      const stream = new DeepgramStream(await this.#connection(options.vocabulary), this.log, this.#timing);
      await stream.start(attemptSignal);
      return stream;
    }, signal);
  }

  #connection(vocabulary: readonly string[]) {
    const { language = 'en', endpointingMs = 300, utteranceEndMs = 1000, keyterms: own = [] } = this.options;
    const terms = keyterms(vocabulary, own);
    return this.#client.listen.v1.connect({
      model: this.model,
      language,
      encoding: 'linear16',
      sample_rate: SAMPLE_RATE,
      channels: 1,
      interim_results: 'true',
      smart_format: 'true',
      punctuate: 'true',
      endpointing: endpointingMs,
      utterance_end_ms: utteranceEndMs,
      vad_events: 'true',
      ...(terms.length ? { keyterm: terms } : {}),
      shouldReconnect: () => false,
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: Math.max(1, Math.ceil(this.guard.options.timeoutMs / 1000)),
    });
  }
}
