/**
 * The audio format of Parley's voice pipeline: 16 kHz mono signed 16-bit little-endian PCM, the
 * format every capture source delivers and every speech-to-text provider accepts as is.
 */

export const SAMPLE_RATE = 16_000;
export const BYTES_PER_SAMPLE = 2;

/** How long `bytes` of mono s16le PCM lasts at `sampleRate`. */
export function pcmDurationMs(bytes: number, sampleRate = SAMPLE_RATE): number {
  return (bytes / (sampleRate * BYTES_PER_SAMPLE)) * 1000;
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

/**
 * Keeps a byte stream sample-aligned. Capture sources and sockets may split audio anywhere, but a
 * provider fed half a sample would hear every later sample shifted by one byte (loud noise), so
 * a trailing odd byte waits here for the next chunk.
 */
export class SampleAligner {
  #carry: Buffer | undefined;

  /** The whole samples available after this chunk (possibly empty). */
  push(chunk: Buffer): Buffer {
    const data = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    const usable = data.length - (data.length % BYTES_PER_SAMPLE);
    this.#carry = usable < data.length ? Buffer.from(data.subarray(usable)) : undefined;
    return data.subarray(0, usable);
  }

  /** Forgets a dangling half sample, for example when a turn ends. */
  reset(): void {
    this.#carry = undefined;
  }
}
