/**
 * Where the assistant's voice goes. The voice loop only needs to play audio, pause it at once
 * when the user starts talking, then either resume (a false alarm) or stop (a real barge-in), and
 * to know how much of the answer was actually played and when it has all played (after agents-js's
 * audio output: `waitForPlayout`, fired by the sink's own clock or the player's reports, not polled).
 */
export interface AudioSink {
  play(pcm: Int16Array, sampleRate: number): void;
  /** Stops sound at once, keeping what is queued, so `resume` can continue where it stopped. */
  pause(): void;
  resume(): void;
  /** Drops everything queued; returns how many ms of this answer were played. */
  stop(): number;
  /**
   * Plays at `rate` from now on (1 the voice's own, 0.8 slower, 1.3 faster), what is queued
   * included, for this answer and those after it. Played ms stay the audio's own ms.
   */
  setRate(rate: number): void;
  /** A new answer starts: playback time counts from zero again. */
  startAnswer(): void;
  /** Milliseconds of this answer played so far. */
  playedMs(): number;
  /** Whether sound is coming out now or is queued to (paused counts as not playing). */
  readonly playing: boolean;
  /**
   * Resolves once everything queued for this answer has played, or it was stopped (`interrupted`),
   * with how much of it played; at once when nothing is queued. A paused sink has not played out.
   */
  waitForPlayout(signal?: AbortSignal): Promise<Playout>;
}

export interface Playout {
  playedMs: number;
  interrupted: boolean;
}

/** Keeps the callers waiting for an answer's playout, and lets them go together when it ends. */
export class PlayoutWaiters {
  private waiters = new Set<(playout: Playout) => void>();

  /** Resolves with the next `release`, or with `now()` if `signal` aborts first. */
  wait(now: () => Playout, signal?: AbortSignal): Promise<Playout> {
    if (signal?.aborted) return Promise.resolve(now());
    return new Promise((resolve) => {
      const done = (playout: Playout) => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(playout);
      };
      const onAbort = () => done(now());
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(playout: Playout): void {
    for (const done of [...this.waiters]) done(playout);
  }
}
