/**
 * One answer, from the user's turn to its commit (after agents-js's speech handle). The
 * conversation produces it — text as it streams, tool calls, a failure — and whoever presents it
 * (the typed chat at once, the voice loop once the audio has played or was cut off) says what was
 * heard and commits it; only then does the conversation store it.
 *
 * An answer started on an eager end of turn is held: nothing of it is shown, spoken, run or
 * committed until `confirm()`, in order; `drop()` (or an interruption while held) discards it
 * without a trace. That state lives here alone.
 */
import type { EmbeddingUsage, SpeechUsage, ToolCallRecord, TurnMetrics, TurnUsage } from '../../protocol/session';
import { HeldOutput } from './held';

/** What an answer produces, in order, once it may be seen. The stream ends when the model is done or stopped. */
export type AnswerEvent =
  { type: 'text'; text: string } | { type: 'toolCall'; call: ToolCallRecord; state: 'running' | 'done' } | { type: 'error'; message: string };

let nextAnswerId = 1;

export class AnswerTurn {
  readonly id = nextAnswerId++;
  /** The answer's text as the model produced it. */
  text = '';
  readonly toolCalls: ToolCallRecord[] = [];
  /** The model's figures and, for a spoken answer, the voice loop's: committed with the answer. */
  readonly metrics: TurnMetrics = {};
  /** What the answer's model calls used and cost, summed over its rounds. */
  usage: TurnUsage | undefined;
  /** For a spoken answer: what its voice was given and made, set by the voice loop before the commit. */
  tts: SpeechUsage | undefined;
  /** What the answer's searches of the knowledge base had the embedding provider read. */
  embeddings: EmbeddingUsage | undefined;
  /** For an interrupted answer: what the user actually heard, committed instead of `text`. */
  heard: string | undefined;
  /** True once the answer may be seen; false if it was dropped (or refused) before that. */
  readonly released: Promise<boolean>;
  /** Resolves once the answer is over: committed, dropped or refused. */
  readonly finished: Promise<void>;

  readonly #controller = new AbortController();
  readonly #output: HeldOutput;
  readonly #events = new EventQueue<AnswerEvent>();
  #decide: (confirmed: boolean) => void = () => undefined;
  #commit: () => void = () => undefined;
  readonly #committed = new Promise<void>((resolve) => (this.#commit = resolve));
  #finish: () => void = () => undefined;

  constructor(options: { held?: boolean } = {}) {
    const decision = options.held ? new Promise<boolean>((resolve) => (this.#decide = resolve)) : undefined;
    this.#output = new HeldOutput(decision, this.#controller.signal);
    this.released = this.#output.released;
    this.finished = new Promise((resolve) => (this.#finish = resolve));
    void this.released.then((confirmed) => confirmed || this.#events.end());
  }

  /** Aborts when the answer is stopped: a barge-in, a new turn, a cancel, a dropped speculation. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get interrupted(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Stops the answer: the model and whatever presents it stop; what was heard is still committed. */
  interrupt(): void {
    this.#controller.abort();
  }

  /** A held answer's turn was confirmed: what waited is released, in order. */
  confirm(): void {
    this.#decide(true);
  }

  /** A held answer's turn went another way: the answer stops and leaves no trace. */
  drop(): void {
    this.#decide(false);
    this.#controller.abort();
  }

  /** Runs `action` now if the answer may be seen, once confirmed if it is held, never if it is dropped. */
  run(action: () => void): void {
    this.#output.run(action);
  }

  /** The answer's events as they come, after it is released; for one consumer. */
  events(): AsyncIterable<AnswerEvent> {
    return this.#events;
  }

  /** The presenter is done with the answer (played out, or stopped with `heard` set): it may be stored. */
  commit(): void {
    this.#commit();
  }

  // What the conversation calls as it produces the answer.

  publish(event: AnswerEvent): void {
    this.#output.run(() => this.#events.push(event));
  }

  /** The model is done or was stopped: the event stream ends (for a held answer, once it is confirmed). */
  end(): void {
    this.#output.run(() => this.#events.end());
  }

  /** Resolves once the presenter committed the answer. */
  get committed(): Promise<void> {
    return this.#committed;
  }

  /** The answer is over; also for one that was refused, which is never released. */
  settle(): void {
    if (!this.interrupted && this.#output.held) this.drop();
    this.#events.end();
    this.#finish();
  }
}

/** A stream of values for one `for await` consumer: pushed values wait until read; `end()` finishes it. */
class EventQueue<T> implements AsyncIterable<T> {
  #values: T[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(value: T): void {
    if (this.#ended) return;
    this.#values.push(value);
    this.#notify();
  }

  end(): void {
    this.#ended = true;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const value = this.#values.shift();
      if (value !== undefined) yield value;
      else if (this.#ended) return;
      else await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
