/**
 * The output of an answer that may be speculative; only an AnswerTurn uses it. An answer started
 * before the user's turn was confirmed (on an eager end of turn) must leave no trace until it is:
 * what it would show, commit or speak waits here, in order. Confirmed, the waiting actions run
 * and later ones pass straight through; dropped (or stopped while still held), they are discarded
 * and so is everything after.
 */
export class HeldOutput {
  #state: 'held' | 'live' | 'dropped';
  #queue: (() => void)[] = [];
  /** True once the answer may be seen; false if it was dropped before that. */
  readonly released: Promise<boolean>;

  constructor(held: Promise<boolean> | undefined, signal: AbortSignal) {
    if (!held) {
      this.#state = 'live';
      this.released = Promise.resolve(true);
      return;
    }
    this.#state = 'held';
    const stopped = new Promise<boolean>((resolve) => {
      if (signal.aborted) resolve(false);
      else signal.addEventListener('abort', () => resolve(false), { once: true });
    });
    this.released = Promise.race([held.catch(() => false), stopped]).then((confirmed) => this.#settle(confirmed));
  }

  /** Whether the answer still waits to be confirmed. */
  get held(): boolean {
    return this.#state === 'held';
  }

  run(action: () => void): void {
    if (this.#state === 'live') action();
    else if (this.#state === 'held') this.#queue.push(action);
  }

  #settle(confirmed: boolean): boolean {
    const queue = this.#queue;
    this.#queue = [];
    this.#state = confirmed ? 'live' : 'dropped';
    if (confirmed) for (const action of queue) action();
    return confirmed;
  }
}
