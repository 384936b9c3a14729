/**
 * Speech to text on this machine with a neural model: whisper.cpp (through its prebuilt Node
 * addon, in a process of its own: engine.ts) and a model the user downloaded with Parley: Download
 * Speech Model (models.ts). Each turn is transcribed when it ends, with the workspace's names as
 * whisper's initial prompt, so that the identifiers the user is likely to say are the likely words.
 */
import type { Logger } from '../../../log';
import { ProviderError } from '../../errors';
import { DEFAULT_RESILIENCE, guardFor, type GuardOptions } from '../../resilience';
import { STT, type SttOpenOptions } from '../stt';
import { UtteranceSttStream, type Transcript } from '../utterance';
import { transcriptionPrompt } from '../../../voice/vocabulary';
import { WhisperEngine, type EngineOptions } from './engine';
import type { InstalledSpeechModel } from './models';

export interface WhisperSttOptions extends GuardOptions, EngineOptions {
  model: InstalledSpeechModel;
  /** The language spoken: an English-only model hears English; a multilingual one finds it (`auto`) unless told. */
  language?: string;
}

/**
 * whisper.cpp keeps the last 224 tokens of a prompt (half its text context) and drops the head,
 * where the most relevant names are; identifiers cost about a token per three characters.
 */
const WHISPER_PROMPT_CHARS = 400;

export class WhisperStt extends STT {
  readonly provider = 'whisper';
  readonly streaming = false;
  readonly model: string;
  readonly #engine: WhisperEngine;
  readonly #language: string;

  constructor(options: WhisperSttOptions, log: Logger) {
    // A turn that takes longer than 30 s is stopped (its process killed) and not tried again.
    super(guardFor(options, 'stt', 'whisper', [options.model.path], { ...DEFAULT_RESILIENCE, timeoutMs: 30_000, retries: 0 }), log);
    this.model = options.model.entry.name;
    this.#engine = WhisperEngine.for(options.model.path, log, options);
    this.#language = options.language ?? (this.model.endsWith('.en') ? 'en' : 'auto');
  }

  protected override async openStream(options: Required<SttOpenOptions>): Promise<UtteranceSttStream> {
    // The model loads while the user speaks; a model that cannot load says so at the first turn.
    this.#engine.warmUp().catch(() => undefined);
    const stream: UtteranceSttStream = new UtteranceSttStream(
      this.provider,
      this.log,
      (pcm, signal) => this.guard.run((attempt) => this.#recognize(pcm, stream.vocabulary, attempt), signal),
      options.maxTurnMs,
    );
    return stream;
  }

  async #recognize(pcm: Buffer, vocabulary: readonly string[], signal: AbortSignal): Promise<Transcript> {
    try {
      return { text: spokenText(await this.#engine.transcribe(pcm, transcriptionPrompt(vocabulary, '', WHISPER_PROMPT_CHARS), signal, this.#language)) };
    } catch (error) {
      if (signal.aborted) throw error;
      throw new ProviderError(
        'stt',
        'whisper',
        `The local recognizer (whisper.cpp, ${this.model}) could not transcribe the turn: ${error instanceof Error ? error.message : String(error)}. If the model file is damaged, download it again with Parley: Download Speech Model.`,
        false,
        { cause: error },
      );
    }
  }
}

/**
 * whisper's text without its annotations of what is not speech ("[BLANK_AUDIO]", "(wind blowing)",
 * "[Music]"), which it writes for noise and silence; what remains is what was said.
 */
export function spokenText(text: string): string {
  return text
    .replace(/\[[^\]]*\]|\([^)]*\)|\*[^*]*\*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
