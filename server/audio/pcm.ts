/**
 * The audio format of Parley's voice pipeline: 16 kHz mono signed 16-bit little-endian PCM, the
 * format every capture source delivers and every speech-to-text provider accepts as is.
 * Text-to-speech providers answer in the same sample format at their own rates.
 *
 * Durations are named by what they count: `pcmDurationMs` takes bytes, `samplesDurationMs` samples.
 */

export const SAMPLE_RATE = 16_000;
export const BYTES_PER_SAMPLE = 2;

/** How long `bytes` of mono s16le PCM lasts at `sampleRate`. */
export function pcmDurationMs(bytes: number, sampleRate = SAMPLE_RATE): number {
  return samplesDurationMs(bytes / BYTES_PER_SAMPLE, sampleRate);
}

/** How long `samples` mono samples last at `sampleRate`. */
export function samplesDurationMs(samples: number, sampleRate: number): number {
  return (samples / sampleRate) * 1000;
}

/** How many bytes of mono s16le PCM last `ms` (whole samples). */
export function pcmBytesFor(ms: number, sampleRate = SAMPLE_RATE): number {
  return Math.round((ms / 1000) * sampleRate) * BYTES_PER_SAMPLE;
}

/** The loudest sample, in dB relative to full scale (-Infinity for digital silence). */
export function peakDbfs(pcm: Buffer): number {
  let peak = 0;
  for (let i = 0; i + 1 < pcm.length; i += BYTES_PER_SAMPLE) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
  return 20 * Math.log10(peak / 32768);
}

/** s16le samples as floats in [-1, 1), the input of neural models such as Silero. */
export function toFloat32(pcm: Buffer, out = new Float32Array(pcm.length / BYTES_PER_SAMPLE)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * BYTES_PER_SAMPLE) / 32768;
  return out;
}

/** Whole s16le samples as an Int16Array of their own (a Buffer may start at an odd byte offset). */
export function toInt16(pcm: Buffer): Int16Array {
  const samples = new Int16Array(Math.floor(pcm.length / BYTES_PER_SAMPLE));
  // Int16Array uses the platform's byte order; every platform Node runs on is little-endian.
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.byteLength));
  return samples;
}

/** Splits samples into pieces of at most `maxMs`, so no audio event is too big for one frame. */
export function* slices(samples: Int16Array, sampleRate: number, maxMs: number): Generator<Int16Array> {
  const size = Math.max(1, Math.floor((sampleRate * maxMs) / 1000));
  for (let start = 0; start < samples.length; start += size) yield samples.subarray(start, start + size);
}

/**
 * Keeps a byte stream sample-aligned. Capture sources, sockets and providers may split audio
 * anywhere, but a consumer fed half a sample would hear every later sample shifted by one byte
 * (loud noise), so a trailing odd byte waits here for the next chunk.
 */
export class SampleAligner {
  #carry: Buffer | undefined;

  /** The whole samples available after this chunk (possibly empty). */
  push(chunk: Uint8Array): Buffer {
    const data = this.#carry ? Buffer.concat([this.#carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const usable = data.length - (data.length % BYTES_PER_SAMPLE);
    this.#carry = usable < data.length ? Buffer.from(data.subarray(usable)) : undefined;
    return data.subarray(0, usable);
  }

  /** True when an odd byte is waiting for its pair. */
  get pending(): boolean {
    return this.#carry !== undefined;
  }

  /** Forgets a dangling half sample, for example when a turn ends. */
  reset(): void {
    this.#carry = undefined;
  }
}
