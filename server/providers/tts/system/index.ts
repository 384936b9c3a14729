/**
 * The machine's own voice: espeak-ng on Linux (22050 Hz), `say` on macOS, SAPI on Windows (both
 * asked for 22050 Hz). One process per clause, the next one started while the current one is
 * heard; clear() and close() kill them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../log';
import { ProviderError } from '../../errors';
import { guardFor, type Guard, type GuardOptions } from '../../resilience';
import { ClauseQueueStream, type ClauseAudio } from '../sequential';
import { TtsStage, type TtsStreamRequest } from '../stage';
import type { TtsStream } from '../stream';
import { WavError, WavReader } from '../../../audio/wav';
import { startProgram, type RunningProgram } from './child';
import type { SystemVoice } from './voices';

export { SYSTEM_TTS_SAMPLE_RATE, findSystemVoice, type SystemVoice } from './voices';

export interface SystemTtsOptions extends GuardOptions {
  voice: SystemVoice;
  /** Parley's environment; the programs see only its allow-listed part. */
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export class SystemTtsStage extends TtsStage {
  readonly provider = 'system';
  readonly sampleRate: number;
  readonly model: string;
  readonly guard: Guard;

  constructor(private readonly options: SystemTtsOptions) {
    super();
    this.sampleRate = options.voice.sampleRate;
    this.model = options.voice.name;
    this.guard = guardFor(options, 'tts', 'system', [options.voice.program, options.voice.name]);
  }

  stream(request: TtsStreamRequest = {}): TtsStream {
    const { voice, env, log } = this.options;
    return new SystemVoiceStream(voice, env, { provider: this.provider, sampleRate: this.sampleRate, log, guard: this.guard, signal: request.signal });
  }
}

class SystemVoiceStream extends ClauseQueueStream {
  constructor(
    private readonly voice: SystemVoice,
    private readonly env: NodeJS.ProcessEnv,
    options: ConstructorParameters<typeof ClauseQueueStream>[0],
  ) {
    super(options);
  }

  protected open(text: string, signal: AbortSignal): Promise<ClauseAudio> {
    return this.voice.output === 'stdout' ? this.#fromStdout(text, signal) : this.#fromFile(text, signal);
  }

  /** Streams the WAV from stdout: audio is available while the program is still speaking. */
  async #fromStdout(text: string, signal: AbortSignal): Promise<ClauseAudio> {
    const program = startProgram(this.voice.program, this.voice.args({ text, textFile: '', wavFile: '' }), { env: this.env, signal, name: this.voice.name });
    const wav = new WavReader();
    const output = program.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      const head: Uint8Array[] = [];
      while (!wav.format) {
        const next = await output.next();
        if (next.done) break;
        head.push(this.#read(wav, next.value));
      }
      if (!wav.format) return await this.#noAudio(program, wav);
      return { sampleRate: wav.format.sampleRate, chunks: this.#rest(Buffer.concat(head), output, wav, program) };
    } catch (error) {
      await stop(program);
      throw error;
    }
  }

  async *#rest(head: Uint8Array, output: AsyncIterator<Buffer>, wav: WavReader, program: RunningProgram): AsyncGenerator<Uint8Array> {
    try {
      yield head;
      for (let next = await output.next(); !next.done; next = await output.next()) yield this.#read(wav, next.value);
      await program.exited.catch((error: unknown) => {
        throw this.#programError(error);
      });
    } finally {
      await output.return?.();
      await stop(program);
    }
  }

  /** Output ended before any audio: the exit status says why, or the output was not a WAV. */
  async #noAudio(program: RunningProgram, wav: WavReader): Promise<never> {
    await program.exited.catch((error: unknown) => {
      throw this.#programError(error);
    });
    try {
      wav.end();
    } catch (error) {
      throw this.#garbage(error);
    }
    throw this.#garbage(new WavError('no audio'));
  }

  /** Say and SAPI write a file; it is read once the program is done. */
  async #fromFile(text: string, signal: AbortSignal): Promise<ClauseAudio> {
    const dir = await mkdtemp(join(tmpdir(), 'parley-tts-'));
    try {
      const files = { text, textFile: join(dir, 'text.txt'), wavFile: join(dir, 'speech.wav') };
      await writeFile(files.textFile, text, 'utf8');
      const program = startProgram(this.voice.program, this.voice.args(files), {
        env: this.env,
        extraEnv: this.voice.env?.(files),
        signal,
        name: this.voice.name,
      });
      program.stdout.resume();
      await program.exited.catch((error: unknown) => {
        throw this.#programError(error);
      });
      const wav = new WavReader();
      const pcm = this.#read(wav, await readFile(files.wavFile));
      if (!wav.format) throw this.#garbage(new WavError('the WAV header is incomplete'));
      return { sampleRate: wav.format.sampleRate, chunks: once(pcm) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #read(wav: WavReader, bytes: Uint8Array): Uint8Array {
    try {
      return wav.push(bytes);
    } catch (error) {
      throw this.#garbage(error);
    }
  }

  #garbage(error: unknown): ProviderError {
    const detail = error instanceof Error ? error.message : String(error);
    return new ProviderError('tts', this.provider, `${this.voice.name} did not produce a playable WAV (${detail}).`, false, { cause: error });
  }

  #programError(error: unknown): unknown {
    if (error instanceof Error && error.name === 'AbortError') return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new ProviderError('tts', this.provider, `The system voice failed: ${detail}`, false, { cause: error });
  }
}

/** Kills a program that is still running and waits until it is reaped; the caller reports any failure. */
async function stop(program: RunningProgram): Promise<void> {
  program.kill();
  await program.exited.catch(() => undefined);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
