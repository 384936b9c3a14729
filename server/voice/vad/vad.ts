/**
 * The voice activity detection stage: PCM in, speech segments out. The public methods own framing,
 * stream time, ordering and the speech/silence decisions, so every model behaves the same; a model
 * only turns one frame into a speech probability (`infer`).
 */
import { EventEmitter } from 'node:events';
import { SAMPLE_RATE, SampleAligner } from '../../audio/pcm';
import { SpeechDetector } from './detector';
import { vadEvent, type VadEvent } from './events';
import { resolveVadOptions, type VadOptions } from './options';

export abstract class VoiceActivityDetector extends EventEmitter<{ event: [VadEvent] }> {
  readonly options: VadOptions;
  readonly #detector: SpeechDetector;
  readonly #aligner = new SampleAligner();
  readonly #frame: Float32Array;
  #filled = 0;
  #framesDone = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  protected constructor(
    /** Samples per model frame (512 at 16 kHz for Silero: 32 ms). */
    readonly frameSamples: number,
    options: Partial<VadOptions> = {},
    readonly sampleRate = SAMPLE_RATE,
  ) {
    super();
    this.options = resolveVadOptions(options);
    this.#detector = new SpeechDetector(this.options);
    this.#frame = new Float32Array(frameSamples);
  }

  get frameMs(): number {
    return (this.frameSamples / this.sampleRate) * 1000;
  }

  /** True between a speechStart and its speechEnd. */
  get speaking(): boolean {
    return this.#detector.speaking;
  }

  /** Stream time at the end of the audio analysed so far (whole frames only). */
  get streamMs(): number {
    return this.#framesDone * this.frameMs;
  }

  /**
   * Analyses mono s16le PCM at `sampleRate`, in any chunk size (a split sample is kept for the
   * next chunk). Resolves with the events it caused, after emitting them; calls run in order.
   */
  push(pcm: Buffer): Promise<VadEvent[]> {
    return this.#serially(() => this.#analyse(pcm));
  }

  /** The stream ended: ends speech in progress. An incomplete last frame (< frameMs) is dropped. */
  flush(): Promise<VadEvent[]> {
    return this.#serially(async () => this.#emit(this.#detector.flush(this.streamMs)));
  }

  /** Starts a new stream: stream time back to 0, model state and any open speech forgotten. */
  reset(): Promise<void> {
    return this.#serially(async () => {
      this.#detector.reset();
      this.#aligner.reset();
      this.#filled = 0;
      this.#framesDone = 0;
      this.resetModel();
    });
  }

  /** Releases the model; later calls reject. */
  close(): Promise<void> {
    return this.#serially(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.release();
    });
  }

  /** The probability in [0, 1] that `frame` (`frameSamples` floats in [-1, 1)) holds speech. */
  protected abstract infer(frame: Float32Array): Promise<number>;
  /** Forgets recurrent state, for a new stream. */
  protected abstract resetModel(): void;
  protected abstract release(): Promise<void>;

  async #analyse(pcm: Buffer): Promise<VadEvent[]> {
    if (this.#closed) throw new Error('The voice activity detector is closed.');
    const samples = this.#aligner.push(pcm);
    const events: VadEvent[] = [];
    for (let offset = 0; offset < samples.length; offset += 2) {
      this.#frame[this.#filled++] = samples.readInt16LE(offset) / 32768;
      if (this.#filled === this.frameSamples) events.push(...(await this.#analyseFrame()));
    }
    return events;
  }

  async #analyseFrame(): Promise<VadEvent[]> {
    this.#filled = 0;
    const probability = await this.infer(this.#frame);
    const startMs = this.streamMs;
    this.#framesDone++;
    const endMs = this.streamMs;
    const changes = this.#detector.update(probability, startMs, endMs);
    const frame = vadEvent('frame', { startMs, endMs, probability, speaking: this.#detector.speaking });
    return this.#emit([frame, ...changes]);
  }

  #emit(events: VadEvent[]): VadEvent[] {
    for (const event of events) this.emit('event', event);
    return events;
  }

  /** Runs tasks one at a time in call order; a failed task does not block the next. */
  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
