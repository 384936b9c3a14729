/**
 * Deepgram accepts at most 20 Flush messages per 60 s on a speak socket; beyond that it only
 * warns and ignores them (https://developers.deepgram.com/docs/tts-ws-flush). The stream keeps
 * within the limit and joins clauses while it must wait.
 */

export interface FlushLimit {
  count: number;
  windowMs: number;
}

export const AURA_FLUSH_LIMIT: FlushLimit = { count: 20, windowMs: 60_000 };

export class FlushBudget {
  #sentAt: number[] = [];

  constructor(private readonly limit: FlushLimit) {}

  /** 0 when a Flush may go now (and counts it); otherwise how many ms until one may. */
  take(now: number): number {
    this.#sentAt = this.#sentAt.filter((at) => now - at < this.limit.windowMs);
    if (this.#sentAt.length < this.limit.count) {
      this.#sentAt.push(now);
      return 0;
    }
    return Math.max(1, Math.ceil(this.#sentAt[0]! + this.limit.windowMs - now));
  }
}
