/** What the speech-to-text tests share: real clips, event recording, feeding audio in chunks. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLogger } from '../../../server/log';
import type { SttEvent, SttEventType } from '../../../server/providers/stt/events';
import type { SttStream } from '../../../server/providers/stt/stt';
import { decodeWav } from '../../../server/audio/wav';
import { REPO } from '../../support/paths';

export const AUDIO = join(REPO, '..', 'shared', 'audio');
export const quietLog = createLogger(() => undefined);

/** Retries fast, so fault tests take milliseconds. */
export const FAST_GUARD = { timeoutMs: 2_000, retries: 2, initialDelayMs: 1, maxDelayMs: 5, breakAfter: 10, halfOpenAfterMs: 60_000 };

export function clip(name: string): Buffer {
  const wav = decodeWav(readFileSync(join(AUDIO, name)));
  if (wav.sampleRate !== 16_000 || wav.channels !== 1 || wav.bitsPerSample !== 16) throw new Error(`${name} is not 16 kHz mono s16le`);
  return wav.pcm;
}

export interface ManifestClip {
  file: string;
  text: string;
  seconds: number;
  speech_ms?: [number, number][];
}

export function manifest(): ManifestClip[] {
  return (JSON.parse(readFileSync(join(AUDIO, 'manifest.json'), 'utf8')) as { clips: ManifestClip[] }).clips;
}

/** Every event the stream emits, in order. */
export function record(stream: SttStream): SttEvent[] {
  const events: SttEvent[] = [];
  stream.on('event', (event) => events.push(event));
  return events;
}

export function ofType<T extends SttEventType>(events: SttEvent[], type: T): Extract<SttEvent, { type: T }>[] {
  return events.filter((event): event is Extract<SttEvent, { type: T }> => event.type === type);
}

/** Pushes audio in chunks as fast as the event loop allows: far faster than real time. */
export async function feed(stream: SttStream, pcm: Buffer, chunkBytes = 3_200): Promise<void> {
  for (let offset = 0; offset < pcm.length; offset += chunkBytes) {
    stream.push(pcm.subarray(offset, offset + chunkBytes));
    await nextTurn();
  }
}
