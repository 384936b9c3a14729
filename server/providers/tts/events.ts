/**
 * What a text-to-speech stream reports. Every event is tagged by `type` and stamped with
 * `createdAt` (ms since the epoch) by `ttsEvent`; durations are in ms.
 */
import type { ProviderError } from '../errors';

/** A piece of a clause's audio, ready to play: 16-bit signed mono PCM. */
export interface TtsAudioEvent {
  type: 'audio';
  createdAt: number;
  /** The clause this audio belongs to (see `TtsStream.pushText`). */
  segmentId: number;
  pcm: Int16Array;
  /** Samples per second of `pcm`; constant for a provider (see each stage's `sampleRate`). */
  sampleRate: number;
  durationMs: number;
}

/** All of a clause's audio has been delivered. */
export interface TtsSegmentDoneEvent {
  type: 'segmentDone';
  createdAt: number;
  segmentId: number;
  /** The text this audio speaks. Usually one clause; Aura may join a sentence's clauses (see its stream). */
  text: string;
  /** Total length of the segment's audio. */
  audioMs: number;
}

/**
 * One per `flush()`: the turn's audio is complete, or it was cut by `clear()` (`cancelled`).
 * TTFB is from the turn's first `pushText` to its first audio.
 */
export interface TtsMetricsEvent {
  type: 'metrics';
  createdAt: number;
  provider: string;
  /** Null when the turn produced no audio. */
  ttfbMs: number | null;
  /** From the first `pushText` to the end of the last audio (or to the clear). */
  durationMs: number;
  audioMs: number;
  characters: number;
  segments: number;
  cancelled: boolean;
}

/** A provider failure; the listed segments will not be (fully) spoken. */
export interface TtsErrorEvent {
  type: 'error';
  createdAt: number;
  error: ProviderError;
  segmentIds: number[];
}

export type TtsEvent = TtsAudioEvent | TtsSegmentDoneEvent | TtsMetricsEvent | TtsErrorEvent;
export type TtsEventType = TtsEvent['type'];
export type TtsEventOf<T extends TtsEventType> = Extract<TtsEvent, { type: T }>;

export function ttsEvent<T extends TtsEventType>(type: T, fields: Omit<TtsEventOf<T>, 'type' | 'createdAt'>): TtsEventOf<T> {
  return { type, createdAt: Date.now(), ...fields } as TtsEventOf<T>;
}
