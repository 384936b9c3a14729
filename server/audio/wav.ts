/**
 * WAV of 16-bit PCM: whole files (uploads to transcription services, the offline recognizer's
 * input, recordings read and written by the command line) and streams (the system voices write
 * one to stdout or a file; some OpenAI-compatible servers send WAV even when asked for raw PCM).
 *
 * Hand-written rather than a library: the WAV packages on npm decode whole files (wavefile,
 * @echogarden/wave-codec) or are unmaintained since 2017 (wav), and neither copes with what
 * `espeak-ng --stdout` writes: a header whose sizes are placeholders (0x7ffff000) because the
 * length is unknown while it streams. A RIFF chunk walk up to `data`, shared by both readers,
 * is all that is needed.
 */
import { BYTES_PER_SAMPLE, SAMPLE_RATE } from './pcm';

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

export interface Wav extends WavFormat {
  pcm: Buffer;
}

export class WavError extends Error {}

const HEADER_BYTES = 44;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** A header longer than this before the audio means the stream is not a WAV we can play. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Streaming writers put 0 or a near-4 GiB placeholder in the data size; then the audio runs to the end. */
const UNKNOWN_SIZE_FROM = 0x7fff0000;

/** A canonical 44-byte-header WAV file holding s16le `pcm`. */
export function encodeWav(pcm: Buffer, sampleRate = SAMPLE_RATE, channels = 1): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(HEADER_BYTES - 8 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * BYTES_PER_SAMPLE, 28);
  header.writeUInt16LE(channels * BYTES_PER_SAMPLE, 32);
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** Reads a whole PCM WAV file; tools such as sox may put other chunks (LIST, fact) before `data`. */
export function decodeWav(file: Buffer): Wav {
  const data = file.length < 12 ? notRiff() : findData(file);
  if (!data) throw new WavError('WAV file has no data chunk');
  return { ...data.format, pcm: file.subarray(data.start, Math.min(file.length, data.start + data.bytes)) };
}

/** How long a decoded WAV lasts, whatever its channels and sample size. */
export function wavDurationMs({ pcm, sampleRate, channels, bitsPerSample }: Wav): number {
  return (pcm.length / (sampleRate * channels * (bitsPerSample / 8))) * 1000;
}

/** Reads a PCM WAV as it streams in: feed chunks as they arrive, get back the audio bytes of each. */
export class WavReader {
  #header: Buffer = Buffer.alloc(0);
  #format: WavFormat | undefined;
  /** Audio bytes still expected, when the header says; undefined until the audio starts. */
  #remaining: number | undefined;

  get format(): WavFormat | undefined {
    return this.#format;
  }

  /** The audio bytes in this chunk (none until the header is read). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#remaining !== undefined) return this.#take(chunk);
    this.#header = Buffer.concat([this.#header, chunk]);
    const data = findData(this.#header);
    if (!data) {
      if (this.#header.length > MAX_HEADER_BYTES) throw new WavError('no audio data in the first 64 KiB');
      return new Uint8Array(0);
    }
    this.#format = requireMono16(data.format);
    this.#remaining = data.bytes;
    const rest = this.#header.subarray(data.start);
    this.#header = Buffer.alloc(0);
    return this.#take(rest);
  }

  /** The stream ended: it must at least have had a complete header. */
  end(): void {
    if (this.#remaining === undefined) throw new WavError(this.#header.length === 0 ? 'no output' : 'the WAV header is incomplete');
  }

  #take(chunk: Uint8Array): Uint8Array {
    const length = Math.min(chunk.length, this.#remaining!);
    this.#remaining! -= length;
    return chunk.subarray(0, length);
  }
}

interface DataChunk {
  format: WavFormat;
  /** Where the audio starts. */
  start: number;
  /** How many audio bytes the header declares; Infinity when it does not know. */
  bytes: number;
}

/** Walks the RIFF chunks up to `data`; undefined while the header is not complete. */
function findData(file: Buffer): DataChunk | undefined {
  if (file.length < 12) return undefined;
  if (file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') notRiff();
  let format: WavFormat | undefined;
  for (let offset = 12; offset + 8 <= file.length;) {
    const id = file.toString('latin1', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'data') {
      if (!format) throw new WavError('audio data before the format chunk');
      return { format, start: body, bytes: size === 0 || size >= UNKNOWN_SIZE_FROM ? Infinity : size };
    }
    if (body + size > file.length) return undefined;
    if (id === 'fmt ') format = readFormat(file.subarray(body, body + size));
    offset = body + size + (size % 2);
  }
  return undefined;
}

function notRiff(): never {
  throw new WavError('not a RIFF/WAVE file');
}

function readFormat(chunk: Buffer): WavFormat {
  if (chunk.length < 16) throw new WavError('the format chunk is too short');
  const tag = chunk.readUInt16LE(0);
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_EXTENSIBLE) throw new WavError(`compressed audio (format ${tag}), not plain PCM`);
  const format = { channels: chunk.readUInt16LE(2), sampleRate: chunk.readUInt32LE(4), bitsPerSample: chunk.readUInt16LE(14) };
  if (format.sampleRate <= 0) throw new WavError('a sample rate of 0');
  return format;
}

/** What a voice can play: 16-bit mono, the format Parley asks every provider for. */
function requireMono16(format: WavFormat): WavFormat {
  if (format.bitsPerSample !== 16 || format.channels !== 1) {
    throw new WavError(`${format.bitsPerSample}-bit audio with ${format.channels} channels, not 16-bit mono`);
  }
  return format;
}
