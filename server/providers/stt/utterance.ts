/**
 * The base of providers that transcribe a whole turn at once (OpenAI transcription, compatible
 * servers, the offline recognizer): audio is held until the turn ends, then the turn goes out as
 * one request. Turns are transcribed one after another, in order, while the next one is recorded.
 */
import type { SttProvider } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { pcmBytesFor } from '../../audio/pcm';
import { isRetryable, ProviderError } from '../errors';
import type { LocalEndOfTurnReason } from './events';
import { SttStream, turnTooLongError, type TurnAudio } from './stt';

export interface Transcript {
  text: string;
  confidence?: number;
}

/** One turn's transcription: `onPartial` gets the whole text so far, for providers that stream it. */
export type Transcribe = (pcm: Buffer, signal: AbortSignal, onPartial: (text: string) => void) => Promise<Transcript>;

export class UtteranceSttStream extends SttStream {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropping = false;
  #work: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();
  readonly #maxBytes: number;

  constructor(
    provider: SttProvider,
    log: Logger,
    private readonly transcribe: Transcribe,
    private readonly maxTurnMs: number,
  ) {
    super(provider, log);
    this.#maxBytes = pcmBytesFor(maxTurnMs);
  }

  protected override sendAudio(pcm: Buffer): void {
    if (this.#dropping) return;
    if (this.#bytes + pcm.length > this.#maxBytes) return this.#dropTurn();
    this.#chunks.push(pcm);
    this.#bytes += pcm.length;
  }

  protected override finishTurn(reason: LocalEndOfTurnReason): void {
    const pcm = Buffer.concat(this.#chunks, this.#bytes);
    const turn = this.takeTurn();
    const dropped = this.#dropping;
    this.#chunks = [];
    this.#bytes = 0;
    this.#dropping = false;
    // An empty (or dropped) turn sends no request: there is nothing to transcribe or answer.
    if (dropped || pcm.length === 0) return;
    this.#work = this.#work.then(() => this.#transcribeTurn(pcm, reason, turn));
  }

  /** The turns already ended, transcribed one after another, are the work to wait for. */
  protected override drain(): Promise<void> {
    return this.#work;
  }

  protected override async shutdown(): Promise<void> {
    this.#abort.abort();
    await this.#work;
  }

  /** Too long to hold: the turn's audio is discarded and the rest of the turn ignored until it ends. */
  #dropTurn(): void {
    this.#dropping = true;
    this.#chunks = [];
    this.#bytes = 0;
    this.fail(turnTooLongError(this.provider, this.maxTurnMs), false);
  }

  async #transcribeTurn(pcm: Buffer, reason: LocalEndOfTurnReason, turn: TurnAudio): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    try {
      const transcript = await this.transcribe(pcm, signal, (text) => this.interim(text));
      this.settle(transcript.text, transcript.confidence);
      this.completeTurn(reason, turn);
    } catch (error) {
      if (signal.aborted) return;
      this.fail(asProviderError(this.provider, error), false);
    }
  }
}

function asProviderError(provider: SttProvider, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('stt', provider, `${provider} could not transcribe the turn: ${message}`, isRetryable(error), { cause: error });
}
