/**
 * Mono 16-bit little-endian PCM helpers for the speech stand-ins and their tests.
 *
 * WAV is written and read by hand: the project has no WAV library, and the 44-byte canonical
 * header plus a chunk walk is all a stand-in needs (no compression, no extensible format).
 */

export const BYTES_PER_SAMPLE = 2;

/** How long synthesized "speech" lasts per character, so longer text gives proportionally more audio. */
export const SPEECH_MS_PER_CHAR = 40;
const MIN_SPEECH_MS = 200;

export interface ToneOptions {
  ms: number;
  sampleRate: number;
  frequencyHz?: number;
  /** 0..1 of full scale. */
  amplitude?: number;
}

/** A sine tone, as s16le mono PCM. */
export function tone({ ms, sampleRate, frequencyHz = 440, amplitude = 0.3 }: ToneOptions): Buffer {
  const samples = Math.round((ms / 1000) * sampleRate);
  const pcm = Buffer.alloc(samples * BYTES_PER_SAMPLE);
  for (let i = 0; i < samples; i++) {
    const value = Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate) * amplitude * 0x7fff;
    pcm.writeInt16LE(Math.round(value), i * BYTES_PER_SAMPLE);
  }
  return pcm;
}

export function silence(ms: number, sampleRate: number): Buffer {
  return Buffer.alloc(Math.round((ms / 1000) * sampleRate) * BYTES_PER_SAMPLE);
}

/** How long the stand-ins speak a text: proportional to its length, faster when `speed` > 1. */
export function speechMsFor(text: string, speed = 1): number {
  return Math.max(MIN_SPEECH_MS, text.trim().length * SPEECH_MS_PER_CHAR) / speed;
}

/** The stand-ins' "speech" for a text: a tone lasting `speechMsFor(text, speed)`. */
export function speechFor(text: string, sampleRate: number, speed = 1): Buffer {
  return tone({ ms: speechMsFor(text, speed), sampleRate, frequencyHz: 220 });
}

export function pcmDurationMs(bytes: number, sampleRate: number, channels = 1, bytesPerSample = BYTES_PER_SAMPLE): number {
  return (bytes / (sampleRate * channels * bytesPerSample)) * 1000;
}

/** Splits audio into chunks of `ms` (the last may be shorter), as streaming servers send it. */
export function chunkPcm(pcm: Buffer, ms: number, sampleRate: number): Buffer[] {
  const size = Math.max(BYTES_PER_SAMPLE, Math.round((ms / 1000) * sampleRate) * BYTES_PER_SAMPLE);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < pcm.length; offset += size) chunks.push(pcm.subarray(offset, offset + size));
  return chunks;
}

/** The canonical 44-byte header of a PCM WAV file holding `dataBytes` of s16le audio. */
export function wavHeader(dataBytes: number, sampleRate: number, channels = 1): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * BYTES_PER_SAMPLE, 28);
  header.writeUInt16LE(channels * BYTES_PER_SAMPLE, 32);
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

export function toWav(pcm: Buffer, sampleRate: number, channels = 1): Buffer {
  return Buffer.concat([wavHeader(pcm.length, sampleRate, channels), pcm]);
}

export interface Wav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  pcm: Buffer;
}

/** Reads a PCM WAV file by walking its chunks (tools such as sox may add chunks before `data`). */
export function parseWav(file: Buffer): Wav {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let format: Omit<Wav, 'pcm'> | undefined;
  for (let offset = 12; offset + 8 <= file.length; ) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = { channels: file.readUInt16LE(body + 2), sampleRate: file.readUInt32LE(body + 4), bitsPerSample: file.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk before fmt chunk');
      return { ...format, pcm: file.subarray(body, Math.min(file.length, body + size)) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}
