/**
 * Offline speech-to-text with the pocketsphinx recognizer installed on the machine (Debian and
 * Ubuntu: `apt-get install pocketsphinx pocketsphinx-en-us`). Each turn is written to a private
 * temporary WAV file and recognized by `pocketsphinx_continuous -infile`, which prints one line of
 * text per utterance it finds. The child process sees an allow-listed environment (no keys), is
 * killed when the turn's deadline passes or the stream closes, and its files are removed after.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../log';
import { encodeWav } from '../../../audio/wav';
import { ProviderError } from '../../errors';
import { DEFAULT_RESILIENCE, guardFor, type GuardOptions } from '../../resilience';
import { STT, type SttOpenOptions } from '../stt';
import { UtteranceSttStream, type Transcript } from '../utterance';
import { phraseGrammar } from './grammar';
import { spawnChild } from '../../../process/spawn';

export interface PocketsphinxOptions extends GuardOptions {
  /** Path of pocketsphinx_continuous (see findProgram / OFFLINE_STT_PROGRAMS). */
  program: string;
  /**
   * Recognize only these phrases (a grammar), for example voice commands. Without it the general
   * English model is used: fully offline, but it gets many words wrong.
   */
  phrases?: readonly string[];
  /** The environment to take the allow-listed variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** More output than any turn's text; past it the child is misbehaving. */
const MAX_OUTPUT_BYTES = 1 << 20;

export class PocketsphinxStt extends STT {
  readonly provider = 'offline';
  readonly streaming = false;
  readonly model: string;
  readonly #grammar: string | undefined;
  readonly #env: NodeJS.ProcessEnv;

  constructor(
    private readonly options: PocketsphinxOptions,
    log: Logger,
  ) {
    // Per turn: a recognizer that takes longer than 30 s is killed, and not run again.
    super(guardFor(options, 'stt', 'offline', [options.program], { ...DEFAULT_RESILIENCE, timeoutMs: 30_000, retries: 0 }), log);
    this.#grammar = options.phrases ? phraseGrammar(options.phrases) : undefined;
    this.model = this.#grammar ? 'pocketsphinx (phrase list)' : 'pocketsphinx (en-us)';
    this.#env = options.env ?? process.env;
  }

  protected override async openStream(options: Required<SttOpenOptions>): Promise<UtteranceSttStream> {
    return new UtteranceSttStream(
      this.provider,
      this.log,
      (pcm, signal) => this.guard.run((attempt) => this.#recognize(pcm, attempt), signal),
      options.maxTurnMs,
    );
  }

  async #recognize(pcm: Buffer, signal: AbortSignal): Promise<Transcript> {
    const dir = await mkdtemp(join(tmpdir(), 'parley-stt-'));
    try {
      const args = ['-infile', join(dir, 'turn.wav')];
      await writeFile(args[1]!, encodeWav(pcm));
      if (this.#grammar) {
        await writeFile(join(dir, 'phrases.gram'), this.#grammar);
        args.push('-jsgf', join(dir, 'phrases.gram'));
      }
      return { text: parseHypotheses(await this.#run(args, signal)) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Runs the recognizer; resolves with its stdout, rejects with a ProviderError if it fails. */
  #run(args: string[], signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawnChild(this.options.program, args, { purpose: 'speech', env: this.#env, signal });
      const stdout = collect(child.stdout);
      const stderr = collect(child.stderr);
      child.on('error', (error) => reject(signal.aborted ? error : this.#failure(`could not run ${this.options.program}: ${error.message}`)));
      child.on('close', (code, killedBy) => {
        if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        if (code === 0) return resolve(stdout.text());
        reject(this.#failure(`stopped with ${killedBy ?? `exit code ${code}`}${errorLines(stderr.text())}`));
      });
    });
  }

  #failure(what: string): ProviderError {
    return new ProviderError('stt', 'offline', `The offline recognizer (pocketsphinx) ${what}`, false);
  }
}

function collect(stream: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    if (bytes >= MAX_OUTPUT_BYTES) return;
    chunks.push(chunk);
    bytes += chunk.length;
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

/** pocketsphinx logs to stderr; its ERROR lines say what went wrong (a word not in the dictionary…). */
function errorLines(stderr: string): string {
  const errors = stderr
    .split('\n')
    .filter((line) => line.startsWith('ERROR:'))
    .map((line) => line.replace(/^ERROR: "[^"]*", line \d+: /, ''));
  return errors.length ? `: ${errors.slice(0, 3).join('; ')}` : '.';
}

/**
 * pocketsphinx_continuous prints each utterance's hypothesis on a line of its own (its log goes to
 * stderr); a turn may hold several utterances, joined here in order.
 */
export function parseHypotheses(stdout: string): string {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('INFO:') && !line.startsWith('ERROR:') && !line.startsWith('WARNING:'))
    .join(' ');
}
