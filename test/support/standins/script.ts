/** One scripted answer, or a function computing it from the request (to echo or branch). */
export type ScriptEntry<T, Req> = T | ((request: Req) => T);

/**
 * The answers a test supplies, consumed one per request in order. When the script runs out
 * the fallback answers, so tests that do not care about content need no script at all.
 */
export class Script<T, Req> {
  #queue: ScriptEntry<T, Req>[] = [];

  constructor(private readonly fallback: (request: Req) => T) {}

  push(...entries: ScriptEntry<T, Req>[]): this {
    this.#queue.push(...entries);
    return this;
  }

  /** Entries not yet consumed. */
  get pending(): number {
    return this.#queue.length;
  }

  next(request: Req): T {
    if (this.#queue.length === 0) return this.fallback(request);
    const entry = this.#queue.shift()!;
    return typeof entry === 'function' ? (entry as (request: Req) => T)(request) : entry;
  }
}
