/**
 * Raw 16-bit little-endian mono PCM as providers send it: in chunks of any byte length, which
 * this turns into whole samples. A byte left over when a clause ends means the audio was not
 * 16-bit PCM at all.
 */

export const BYTES_PER_SAMPLE = 2;

export function pcmDurationMs(samples: number, sampleRate: number): number {
  return (samples / sampleRate) * 1000;
}

/** Collects bytes into whole samples, carrying an odd byte over to the next chunk. */
export class SampleAssembler {
  #carry: number | undefined;

  /** Whole samples available after this chunk. */
  push(bytes: Uint8Array): Int16Array {
    if (bytes.length === 0) return new Int16Array(0);
    const hasCarry = this.#carry !== undefined;
    const total = bytes.length + (hasCarry ? 1 : 0);
    const samples = new Int16Array(Math.floor(total / BYTES_PER_SAMPLE));
    const view = new Uint8Array(samples.buffer);
    // Int16Array uses the platform's byte order; every platform Node runs on is little-endian.
    if (hasCarry) view[0] = this.#carry!;
    const fromChunk = view.length - (hasCarry ? 1 : 0);
    view.set(bytes.subarray(0, fromChunk), hasCarry ? 1 : 0);
    this.#carry = total % BYTES_PER_SAMPLE === 1 ? bytes[bytes.length - 1] : undefined;
    return samples;
  }

  /** True when an odd byte is waiting for its pair. */
  get pending(): boolean {
    return this.#carry !== undefined;
  }
}

/** Splits samples into pieces of at most `maxMs`, so no audio event is too big for one frame. */
export function* slices(samples: Int16Array, sampleRate: number, maxMs: number): Generator<Int16Array> {
  const size = Math.max(1, Math.floor((sampleRate * maxMs) / 1000));
  for (let start = 0; start < samples.length; start += size) yield samples.subarray(start, start + size);
}
