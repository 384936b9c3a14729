import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** How slow a stand-in pretends to be, so tests can exercise time-to-first-token logic. */
export interface Latency {
  /** From receiving a request (or a trigger such as Flush or a scripted audio time) to the first byte of the answer. */
  ttfbMs: number;
  /** Between successive tokens, SSE events or audio chunks. */
  interTokenMs: number;
}

export const NO_LATENCY: Readonly<Latency> = { ttfbMs: 0, interTokenMs: 0 };

/**
 * Resolves once `performance.now()` has reached `deadline`. Node timers can fire up to a
 * millisecond early (libuv rounds its clock), and tests assert "first token ≥ ttfbMs",
 * so the remaining time is re-checked rather than trusting one timer.
 */
export async function waitUntil(deadline: number, signal?: AbortSignal): Promise<void> {
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) {
    await sleep(Math.ceil(left), undefined, { signal });
  }
  signal?.throwIfAborted();
}

/** Resolves when the signal aborts; used to hang a request until the client gives up. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * Spaces out the pieces of one answer: the first `tick()` returns `ttfbMs` after `startedAt`,
 * every later one `interTokenMs` after the previous one was due. Counting from when each was due,
 * not from when the timer woke, keeps a long answer at the configured pace: timers wake late by
 * a millisecond or so, and that used to add up over hundreds of tokens. The latency is read at
 * each tick, so a test may change it on a running stand-in.
 */
export class Pacer {
  #next: number;
  #first = true;

  constructor(
    private readonly latency: Latency,
    startedAt: number,
    private readonly signal?: AbortSignal,
  ) {
    this.#next = startedAt;
  }

  async tick(): Promise<void> {
    const gap = this.#first ? this.latency.ttfbMs : this.latency.interTokenMs;
    this.#first = false;
    this.#next += gap;
    await waitUntil(this.#next, this.signal);
  }
}
