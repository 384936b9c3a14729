/**
 * Speech-to-text through OpenAI's transcription endpoint, or any server that speaks it
 * (`openai-compatible`: whisper.cpp server, speaches, vLLM…). Each turn is sent as one 16 kHz WAV
 * once it ends; models that can stream their transcript (gpt-4o-transcribe and -mini) send it
 * piece by piece, which becomes interim text.
 */
import OpenAI, { toFile } from 'openai';
import type { Logger } from '../../../log';
import { encodeWav } from '../../../audio/wav';
import { guardFor, type GuardOptions } from '../../resilience';
import { transcriptionPrompt } from '../../../voice/vocabulary';
import { STT, type SttOpenOptions } from '../stt';
import { UtteranceSttStream, type Transcript } from '../utterance';
import { transcriptionError } from './errors';

export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini-transcribe';
export const COMPATIBLE_DEFAULT_MODEL = 'whisper-1';

export interface OpenAISttOptions extends GuardOptions {
  provider: 'openai' | 'openai-compatible';
  /** Required for OpenAI; compatible servers often need none. */
  apiKey?: string;
  /** Default: OpenAI's API; required for a compatible server (…/v1). */
  baseUrl?: string;
  model?: string;
  /** Stream the transcript as it is produced; default: only for OpenAI's gpt-4o transcribe models. */
  stream?: boolean;
  /** ISO-639-1 language of the speech, which improves accuracy and latency. */
  language?: string;
  /** Text that guides the recognizer: vocabulary, names, the previous turn. */
  prompt?: string;
}

/** whisper-1 ignores `stream`; the gpt-4o transcribe models stream `transcript.text.delta` events. */
export function streamsTranscript(model: string): boolean {
  return /^gpt-4o(-mini)?-transcribe/.test(model);
}

export class OpenAIStt extends STT {
  readonly provider: 'openai' | 'openai-compatible';
  readonly streaming = false;
  readonly model: string;
  readonly #client: OpenAI;
  readonly #stream: boolean;
  readonly #where: string;

  constructor(
    private readonly options: OpenAISttOptions,
    log: Logger,
  ) {
    super(guardFor(options, 'stt', options.provider, [options.baseUrl, options.model]), log);
    const resilience = this.guard.options;
    this.provider = options.provider;
    this.model = options.model || (options.provider === 'openai' ? OPENAI_DEFAULT_MODEL : COMPATIBLE_DEFAULT_MODEL);
    this.#stream = options.stream ?? streamsTranscript(this.model);
    this.#where = options.provider === 'openai' ? 'OpenAI transcription' : `The transcription server at ${options.baseUrl}`;
    // Compatible servers without authentication still get a placeholder: the SDK insists on a key.
    // Retries and timeouts belong to the guard, so the SDK makes exactly one attempt.
    this.#client = new OpenAI({
      apiKey: options.apiKey || 'not-needed',
      baseURL: options.baseUrl || undefined,
      maxRetries: 0,
      timeout: resilience.timeoutMs,
    });
  }

  protected override async openStream(options: Required<SttOpenOptions>): Promise<UtteranceSttStream> {
    const stream: UtteranceSttStream = new UtteranceSttStream(
      this.provider,
      this.log,
      (pcm, signal, onPartial) => this.guard.run((attempt) => this.#transcribe(pcm, attempt, onPartial, stream.vocabulary), signal),
      options.maxTurnMs,
    );
    return stream;
  }

  async #transcribe(pcm: Buffer, signal: AbortSignal, onPartial: (text: string) => void, vocabulary: readonly string[]): Promise<Transcript> {
    const file = await toFile(encodeWav(pcm), 'turn.wav', { type: 'audio/wav' });
    const { language } = this.options;
    const prompt = transcriptionPrompt(vocabulary, this.options.prompt);
    const request = { file, model: this.model, ...(language ? { language } : {}), ...(prompt ? { prompt } : {}) };
    try {
      if (!this.#stream) return { text: (await this.#client.audio.transcriptions.create(request, { signal })).text };
      const events = await this.#client.audio.transcriptions.create({ ...request, stream: true }, { signal });
      let text = '';
      for await (const event of events) {
        if (event.type === 'transcript.text.delta') onPartial((text += event.delta));
        else if (event.type === 'transcript.text.done') text = event.text;
      }
      return { text };
    } catch (error) {
      throw signal.aborted ? error : transcriptionError(this.provider, error, this.#where);
    }
  }
}
