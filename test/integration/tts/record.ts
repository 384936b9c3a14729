/** Test support for the TTS tests: everything a stream emits, with arrival times, and a log that keeps its lines. */
import { performance } from 'node:perf_hooks';
import { createLogger, type Logger } from '../../../server/log';
import type { TtsAudioEvent, TtsErrorEvent, TtsEvent, TtsMetricsEvent, TtsSegmentDoneEvent, TtsStream } from '../../../server/providers/tts';

export type Received = TtsEvent & { at: number };

export class Recording {
  readonly events: Received[] = [];

  constructor(stream: TtsStream) {
    for (const type of ['audio', 'segmentDone', 'metrics', 'error'] as const) {
      stream.on(type, (event) => this.events.push({ ...event, at: performance.now() }));
    }
  }

  get audio(): (TtsAudioEvent & { at: number })[] {
    return this.events.filter((e) => e.type === 'audio');
  }

  get done(): (TtsSegmentDoneEvent & { at: number })[] {
    return this.events.filter((e) => e.type === 'segmentDone');
  }

  get metrics(): (TtsMetricsEvent & { at: number })[] {
    return this.events.filter((e) => e.type === 'metrics');
  }

  get errors(): (TtsErrorEvent & { at: number })[] {
    return this.events.filter((e) => e.type === 'error');
  }

  /** Samples of one segment's audio, joined. */
  samples(segmentId: number): Int16Array {
    const parts = this.audio.filter((e) => e.segmentId === segmentId).map((e) => e.pcm);
    const joined = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }
}

/** Root-mean-square level of 16-bit samples (full scale 32767). */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

export function capturingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: createLogger((level, line) => lines.push(`${level} ${line}`)) };
}

/** Fast retries for tests: the Guard's behaviour, without its production waits. */
export const FAST_RESILIENCE = { timeoutMs: 5_000, retries: 2, initialDelayMs: 5, maxDelayMs: 20, breakAfter: 5, halfOpenAfterMs: 60_000 };
