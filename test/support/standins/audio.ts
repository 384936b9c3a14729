/**
 * Mono 16-bit little-endian PCM that the speech stand-ins speak, and their tests send. WAV files
 * are written and read with Parley's own audio layer (server/audio), as the vendors' formats are
 * the same canonical PCM WAV.
 */
import { BYTES_PER_SAMPLE } from '../../../server/audio/pcm';

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

/** Splits audio into chunks of `ms` (the last may be shorter), as streaming servers send it. */
export function chunkPcm(pcm: Buffer, ms: number, sampleRate: number): Buffer[] {
  const size = Math.max(BYTES_PER_SAMPLE, Math.round((ms / 1000) * sampleRate) * BYTES_PER_SAMPLE);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < pcm.length; offset += size) chunks.push(pcm.subarray(offset, offset + size));
  return chunks;
}
