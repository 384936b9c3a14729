/**
 * Reading a PCM WAV as it streams in: the system voices write one to stdout or a file, and some
 * OpenAI-compatible servers send WAV even when asked for raw PCM.
 *
 * Hand-written rather than a library: the WAV packages on npm decode whole files (wavefile,
 * @echogarden/wave-codec) or are unmaintained since 2017 (wav), and neither copes with what
 * `espeak-ng --stdout` writes: a header whose sizes are placeholders (0x7ffff000) because the
 * length is unknown while it streams. A RIFF chunk walk up to `data` is all that is needed.
 */

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

/** A header longer than this before the audio means the stream is not a WAV we can play. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Streaming writers put 0 or a near-4 GiB placeholder in the data size; then the audio runs to the end. */
const UNKNOWN_SIZE_FROM = 0x7fff0000;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export class WavError extends Error {}

/** Feed chunks as they arrive; get back the PCM bytes of each (none until the header is read). */
export class WavReader {
  #header: Buffer = Buffer.alloc(0);
  #format: WavFormat | undefined;
  #dataStarted = false;
  /** Audio bytes still expected, when the header says. */
  #remaining = Infinity;

  get format(): WavFormat | undefined {
    return this.#dataStarted ? this.#format : undefined;
  }

  push(chunk: Uint8Array): Uint8Array {
    if (this.#dataStarted) return this.#take(chunk);
    this.#header = Buffer.concat([this.#header, chunk]);
    const dataAt = this.#findData();
    if (dataAt === undefined) {
      if (this.#header.length > MAX_HEADER_BYTES) throw new WavError('no audio data in the first 64 KiB');
      return new Uint8Array(0);
    }
    this.#dataStarted = true;
    const rest = this.#header.subarray(dataAt);
    this.#header = Buffer.alloc(0);
    return this.#take(rest);
  }

  /** The stream ended: it must at least have had a complete header. */
  end(): void {
    if (!this.#dataStarted) throw new WavError(this.#header.length === 0 ? 'no output' : 'the WAV header is incomplete');
  }

  #take(chunk: Uint8Array): Uint8Array {
    const length = Math.min(chunk.length, this.#remaining);
    this.#remaining -= length;
    return chunk.subarray(0, length);
  }

  /** Where the audio starts once the header is complete; undefined while more bytes are needed. */
  #findData(): number | undefined {
    const file = this.#header;
    if (file.length < 12) return undefined;
    if (file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') throw new WavError('not a RIFF/WAVE stream');
    for (let offset = 12; offset + 8 <= file.length; ) {
      const id = file.toString('latin1', offset, offset + 4);
      const size = file.readUInt32LE(offset + 4);
      const body = offset + 8;
      if (id === 'data') return this.#startData(body, size);
      if (body + size > file.length) return undefined;
      if (id === 'fmt ') this.#format = readFormat(file.subarray(body, body + size));
      offset = body + size + (size % 2);
    }
    return undefined;
  }

  #startData(body: number, size: number): number {
    if (!this.#format) throw new WavError('audio data before the format chunk');
    this.#remaining = size === 0 || size >= UNKNOWN_SIZE_FROM ? Infinity : size;
    return body;
  }
}

function readFormat(chunk: Buffer): WavFormat {
  if (chunk.length < 16) throw new WavError('the format chunk is too short');
  const tag = chunk.readUInt16LE(0);
  const format = { channels: chunk.readUInt16LE(2), sampleRate: chunk.readUInt32LE(4), bitsPerSample: chunk.readUInt16LE(14) };
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_EXTENSIBLE) throw new WavError(`compressed audio (format ${tag}), not PCM`);
  if (format.bitsPerSample !== 16 || format.channels !== 1) {
    throw new WavError(`${format.bitsPerSample}-bit audio with ${format.channels} channels, not 16-bit mono`);
  }
  if (format.sampleRate <= 0) throw new WavError('a sample rate of 0');
  return format;
}
