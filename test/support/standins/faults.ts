/**
 * Failures a test can schedule on a stand-in, to drive the product's timeout, retry, breaker
 * and fallback paths against the real SDKs' reactions.
 *
 * Request-level faults replace the whole answer; stream faults let the answer start and then
 * break it, and are only taken by requests that stream (SSE, or a WebSocket session).
 */
export type RequestFault =
  /** Answer with this HTTP status and the vendor's error body (for retry and breaker tests). */
  | { kind: 'status'; status: number; message?: string; retryAfterMs?: number }
  /** Accept the request and never answer, until the client gives up (for timeout tests). */
  | { kind: 'hang' }
  /** Answer 200 with a body the SDK cannot parse (truncated JSON, or a broken SSE event). */
  | { kind: 'garbage' }
  /** Reset the connection without any answer. */
  | { kind: 'drop' };

export type StreamFault =
  /** Reset the connection after this many events (SSE events or WebSocket messages). */
  | { kind: 'cut'; afterEvents: number }
  /** After this many events send the vendor's in-stream error (an SSE error event; for a WebSocket, close 1011). */
  | { kind: 'stream-error'; afterEvents: number; message?: string; errorType?: string };

export type Fault = RequestFault | StreamFault;

export interface FaultTarget {
  /** Only requests to this path take the fault (default: any path). */
  path?: string;
  /** How many consecutive matching requests fail (default 1). */
  times?: number;
}

interface Pending {
  fault: Fault;
  path?: string;
  left: number;
}

export function isStreamFault(fault: Fault): fault is StreamFault {
  return fault.kind === 'cut' || fault.kind === 'stream-error';
}

/** Faults waiting for their request, taken in the order they were scheduled. */
export class FaultQueue {
  #pending: Pending[] = [];

  add(fault: Fault, target: FaultTarget = {}): void {
    this.#pending.push({ fault, path: target.path, left: target.times ?? 1 });
  }

  /** The fault the next request to `path` should suffer, if any; stream faults only go to streams. */
  take(path: string, streaming: boolean): Fault | undefined {
    const index = this.#pending.findIndex((p) => (p.path === undefined || p.path === path) && (streaming || !isStreamFault(p.fault)));
    if (index < 0) return undefined;
    const pending = this.#pending[index]!;
    if (--pending.left <= 0) this.#pending.splice(index, 1);
    return pending.fault;
  }

  get size(): number {
    return this.#pending.length;
  }
}
