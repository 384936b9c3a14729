/**
 * Where the assistant's voice goes. The voice loop only needs to play audio, pause it at once
 * when the user starts talking, then either resume (a false alarm) or stop (a real barge-in), and
 * to know how much of the answer was actually played.
 */
export interface AudioSink {
  play(pcm: Int16Array, sampleRate: number): void;
  /** Stops sound at once, keeping what is queued, so `resume` can continue where it stopped. */
  pause(): void;
  resume(): void;
  /** Drops everything queued; returns how many ms of this answer were played. */
  stop(): number;
  /** A new answer starts: playback time counts from zero again. */
  startAnswer(): void;
  /** Milliseconds of this answer played so far. */
  playedMs(): number;
  /** Whether sound is coming out now or is queued to (paused counts as not playing). */
  readonly playing: boolean;
}
