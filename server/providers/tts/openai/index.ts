/**
 * OpenAI speech (`POST /v1/audio/speech`), or any server that offers the same endpoint at a base
 * URL. One request per clause, `response_format: 'pcm'`: 24 kHz 16-bit mono, streamed as the
 * body arrives. Servers that answer with a WAV instead are read too; anything else is an error.
 */
import OpenAI from 'openai';
import type { Logger } from '../../../log';
import { ProviderError } from '../../errors';
import { guardFor, type Guard, type GuardOptions } from '../../resilience';
import { ClauseQueueStream, type ClauseAudio } from '../sequential';
import { TtsStage, type TtsStreamRequest } from '../stage';
import type { TtsStream } from '../stream';
import { WavError, WavReader } from '../../../audio/wav';

/** What `response_format: 'pcm'` means at OpenAI: 24 kHz, 16-bit signed little-endian, mono. */
export const OPENAI_TTS_SAMPLE_RATE = 24_000;
export const OPENAI_TTS_DEFAULT_MODEL = 'gpt-4o-mini-tts';
/** A voice every OpenAI speech model has, and the one compatible servers most often map. */
export const OPENAI_TTS_VOICE = 'alloy';

export interface OpenAITtsOptions extends GuardOptions {
  apiKey: string;
  /** Empty for OpenAI itself; otherwise a compatible server's `/v1` URL. */
  baseUrl: string;
  model: string;
  log: Logger;
}

export class OpenAITtsStage extends TtsStage {
  readonly provider = 'openai';
  readonly sampleRate = OPENAI_TTS_SAMPLE_RATE;
  readonly model: string;
  readonly guard: Guard;
  readonly #client: OpenAI;
  readonly #log: Logger;

  constructor(options: OpenAITtsOptions) {
    super();
    this.model = options.model || OPENAI_TTS_DEFAULT_MODEL;
    this.guard = guardFor(options, 'tts', 'openai', [options.baseUrl, options.model]);
    // The guard retries; the SDK's own retries would multiply its attempts.
    this.#client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseUrl || undefined, maxRetries: 0 });
    this.#log = options.log;
  }

  stream(request: TtsStreamRequest = {}): TtsStream {
    return new OpenAISpeechStream(this.#client, this.model, {
      provider: this.provider,
      sampleRate: this.sampleRate,
      log: this.#log,
      guard: this.guard,
      signal: request.signal,
    });
  }
}

class OpenAISpeechStream extends ClauseQueueStream {
  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
    options: ConstructorParameters<typeof ClauseQueueStream>[0],
  ) {
    super(options);
  }

  protected async open(text: string, signal: AbortSignal): Promise<ClauseAudio> {
    const response = await this.client.audio.speech.create({ model: this.model, voice: OPENAI_TTS_VOICE, input: text, response_format: 'pcm' }, { signal });
    if (!response.body) throw this.#garbage('an empty answer');
    const reader = response.body.getReader();
    try {
      this.#checkType(response.headers.get('content-type'));
      return await this.#audio(reader);
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
  }

  /** Reads up to the first audio, to tell raw PCM from a WAV before any of it is played. */
  async #audio(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ClauseAudio> {
    const first = await reader.read();
    if (first.done) throw this.#garbage('no audio');
    if (!startsWithRiff(first.value)) return { chunks: chain(first.value, reader, (bytes) => bytes) };
    const wav = new WavReader();
    const head: Uint8Array[] = [this.#readWav(wav, first.value)];
    while (!wav.format) {
      const next = await reader.read();
      if (next.done) throw this.#garbage('an incomplete WAV header');
      head.push(this.#readWav(wav, next.value));
    }
    return { sampleRate: wav.format.sampleRate, chunks: chain(Buffer.concat(head), reader, (bytes) => this.#readWav(wav, bytes)) };
  }

  #readWav(wav: WavReader, bytes: Uint8Array): Uint8Array {
    try {
      return wav.push(bytes);
    } catch (error) {
      throw error instanceof WavError ? this.#garbage(`a WAV it cannot play: ${error.message}`) : error;
    }
  }

  #checkType(contentType: string | null): void {
    const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === '' || /^audio\/(pcm|l16|wav|wave|x-wav|raw)$/.test(type) || type === 'application/octet-stream') return;
    throw this.#garbage(`${type} instead of PCM audio`);
  }

  #garbage(what: string): ProviderError {
    return new ProviderError('tts', this.provider, `The speech server answered with ${what}; Parley needs response_format "pcm" (24 kHz 16-bit mono).`, false);
  }
}

function startsWithRiff(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') === 'RIFF';
}

/** The first chunk, then the rest of the body, each through `map`; cancels the body if left early. */
async function* chain(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>, map: (bytes: Uint8Array) => Uint8Array): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    yield first;
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      yield map(next.value);
    }
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
