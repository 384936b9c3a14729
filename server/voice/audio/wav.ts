/**
 * WAV files of 16-bit PCM, for uploads to transcription services, the offline recognizer's input
 * files and reading recordings. Only the canonical PCM format (format tag 1) is handled, by
 * walking the RIFF chunks: that is all Parley writes or needs to read, and it keeps a 50-line
 * format out of the dependency list.
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

const HEADER_BYTES = 44;
const PCM_FORMAT = 1;

/** A canonical 44-byte-header WAV file holding s16le `pcm`. */
export function encodeWav(pcm: Buffer, sampleRate = SAMPLE_RATE, channels = 1): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(HEADER_BYTES - 8 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(PCM_FORMAT, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * BYTES_PER_SAMPLE, 28);
  header.writeUInt16LE(channels * BYTES_PER_SAMPLE, 32);
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

function readFormat(file: Buffer, body: number, size: number): WavFormat {
  if (size < 16) throw new Error('WAV fmt chunk is too short');
  const tag = file.readUInt16LE(body);
  if (tag !== PCM_FORMAT) throw new Error(`WAV format ${tag} is not plain PCM`);
  return { channels: file.readUInt16LE(body + 2), sampleRate: file.readUInt32LE(body + 4), bitsPerSample: file.readUInt16LE(body + 14) };
}

/** Reads a PCM WAV file; tools such as sox may put other chunks (LIST, fact) before `data`. */
export function decodeWav(file: Buffer): Wav {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let format: WavFormat | undefined;
  for (let offset = 12; offset + 8 <= file.length; ) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') format = readFormat(file, body, size);
    else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      return { ...format, pcm: file.subarray(body, Math.min(file.length, body + size)) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}
