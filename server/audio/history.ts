/**
 * The last few seconds of audio, addressed by stream time. Voice activity detection confirms
 * speech some frames after it began; the pipeline then takes the audio from the padded start
 * out of here, so the first syllable reaches speech-to-text too.
 */
import { SAMPLE_RATE, pcmBytesFor, pcmDurationMs } from './pcm';

export class PcmHistory {
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** Stream offset, in bytes, of the first byte held. */
  #firstByte = 0;
  readonly #capacityBytes: number;

  constructor(
    capacityMs: number,
    private readonly sampleRate = SAMPLE_RATE,
  ) {
    this.#capacityBytes = pcmBytesFor(capacityMs, sampleRate);
  }

  /** Stream time at the end of the audio appended so far. */
  get endMs(): number {
    return pcmDurationMs(this.#firstByte + this.#bytes, this.sampleRate);
  }

  append(pcm: Buffer): void {
    this.#chunks.push(pcm);
    this.#bytes += pcm.length;
    while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0]!.length >= this.#capacityBytes) {
      const dropped = this.#chunks.shift()!;
      this.#bytes -= dropped.length;
      this.#firstByte += dropped.length;
    }
  }

  /** The audio from stream time `ms` to now; from the oldest held sample if `ms` is older. */
  since(ms: number): Buffer {
    const skip = Math.max(0, pcmBytesFor(ms, this.sampleRate) - this.#firstByte);
    return Buffer.concat(this.#chunks, this.#bytes).subarray(Math.min(skip, this.#bytes));
  }

  clear(): void {
    this.#firstByte += this.#bytes;
    this.#chunks = [];
    this.#bytes = 0;
  }
}
