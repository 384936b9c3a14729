/**
 * Turns per-frame speech probabilities into speech segments, independent of the model that
 * produced them. Like Silero's own `get_speech_timestamps`: a frame at or above the positive
 * threshold is voiced, one below the negative threshold starts a silence, frames in between keep
 * whatever is going on; speech ends after `redemptionMs` of silence. On top of that, speech is only
 * reported once `minSpeechMs` of it was voiced, and a burst too short for that is dropped quietly.
 */
import { vadEvent, type VadEvent } from './events';
import type { VadOptions } from './options';

type Segment = {
  /** Start of the first voiced frame. */
  startMs: number;
  voicedMs: number;
  confirmed: boolean;
  /** Start of the current run of silent frames, if one is under way. */
  silentSinceMs?: number;
};

export class SpeechDetector {
  #segment: Segment | undefined;

  constructor(private readonly options: VadOptions) {}

  /** True between a reported speechStart and its speechEnd. */
  get speaking(): boolean {
    return this.#segment?.confirmed === true;
  }

  /** Feeds one frame spanning [startMs, endMs); returns speechStart / speechEnd if either happened. */
  update(probability: number, startMs: number, endMs: number): VadEvent[] {
    const { positiveThreshold, negativeThreshold } = this.options;
    const segment = this.#segment;
    if (!segment) {
      if (probability >= positiveThreshold) return this.#begin(startMs, endMs);
      return [];
    }
    if (probability >= positiveThreshold) {
      segment.silentSinceMs = undefined;
      segment.voicedMs += endMs - startMs;
      return this.#confirmIfLongEnough(segment, endMs);
    }
    if (probability < negativeThreshold) segment.silentSinceMs ??= startMs;
    if (segment.silentSinceMs !== undefined && endMs - segment.silentSinceMs >= this.options.redemptionMs) {
      return this.#end(segment.silentSinceMs, endMs);
    }
    return [];
  }

  /** The stream ended (or the caller wants a clean cut): close any speech in progress at `atMs`. */
  flush(atMs: number): VadEvent[] {
    const segment = this.#segment;
    if (!segment) return [];
    return this.#end(segment.silentSinceMs ?? atMs, atMs);
  }

  reset(): void {
    this.#segment = undefined;
  }

  #begin(startMs: number, endMs: number): VadEvent[] {
    const segment: Segment = { startMs, voicedMs: endMs - startMs, confirmed: false };
    this.#segment = segment;
    return this.#confirmIfLongEnough(segment, endMs);
  }

  #confirmIfLongEnough(segment: Segment, atMs: number): VadEvent[] {
    if (segment.confirmed || segment.voicedMs < this.options.minSpeechMs) return [];
    segment.confirmed = true;
    const paddedStartMs = Math.max(0, segment.startMs - this.options.preSpeechPadMs);
    return [vadEvent('speechStart', { startMs: segment.startMs, paddedStartMs, atMs })];
  }

  #end(endMs: number, atMs: number): VadEvent[] {
    const segment = this.#segment!;
    this.#segment = undefined;
    if (!segment.confirmed) return [];
    return [vadEvent('speechEnd', { startMs: segment.startMs, endMs, atMs })];
  }
}
