/**
 * Providers that synthesize one clause per request or process (OpenAI speech, the system voice).
 *
 * Clauses are spoken in order. While one clause's audio streams out, the next one is already
 * being synthesized and its audio held back until its turn, so there is no gap between clauses;
 * no more than that one runs ahead, so `clear()` has at most two requests to abort.
 *
 * Each synthesis goes through the provider's guard up to its first audio (timeout, retries,
 * breaker); once audio flows it is not retried, since part of it may already have been played.
 */
import type { Guard } from '../resilience';
import { TtsStream, type Segment, type TtsStreamOptions } from './stream';

export interface ClauseAudio {
  /** When the provider says (a WAV header); otherwise the stream's rate. */
  sampleRate?: number;
  /** The audio bytes, 16-bit little-endian mono PCM; the first chunk is already available. */
  chunks: AsyncIterable<Uint8Array>;
}

interface Job {
  readonly segment: Segment;
  /** The head job's audio goes straight out; the one behind it waits in `held`. */
  live: boolean;
  held: { bytes: Uint8Array; sampleRate?: number }[];
  ended: boolean;
  finished: Promise<void>;
}

/** Jobs running at once: the clause being heard and the one after it. */
const MAX_JOBS = 2;

export abstract class ClauseQueueStream extends TtsStream {
  protected readonly guard: Guard;
  #waiting: Segment[] = [];
  #jobs: Job[] = [];
  /** Aborted by clear() and close(): every request or process of the cleared text stops. */
  #controller = new AbortController();

  constructor(options: TtsStreamOptions & { guard: Guard }) {
    super(options);
    this.guard = options.guard;
  }

  /**
   * Starts synthesizing one clause and resolves once its first audio is known; the rest streams
   * through `chunks`. Everything it starts must stop when `signal` aborts.
   */
  protected abstract open(text: string, signal: AbortSignal): Promise<ClauseAudio>;

  protected speak(segment: Segment): void {
    this.#waiting.push(segment);
    this.#pump();
  }

  protected cancel(): Promise<void> {
    return this.#stopAll();
  }

  protected shutdown(): Promise<void> {
    return this.#stopAll();
  }

  async #stopAll(): Promise<void> {
    this.#controller.abort();
    this.#controller = new AbortController();
    this.#waiting = [];
    const jobs = this.#jobs;
    this.#jobs = [];
    await Promise.allSettled(jobs.map((job) => job.finished));
  }

  #pump(): void {
    while (this.#jobs.length < MAX_JOBS && this.#waiting.length > 0) this.#start(this.#waiting.shift()!);
  }

  #start(segment: Segment): void {
    const job: Job = { segment, live: this.#jobs.length === 0, held: [], ended: false, finished: Promise.resolve() };
    this.#jobs.push(job);
    job.finished = this.#run(job, this.#controller.signal).then(
      () => this.#settle(job),
      (error: unknown) => this.#settle(job, error),
    );
  }

  async #run(job: Job, signal: AbortSignal): Promise<void> {
    const audio = await this.guard.run((attempt) => this.#openUntilAudio(job.segment.text, attempt, signal), signal);
    for await (const bytes of audio.chunks) {
      if (signal.aborted) break;
      if (job.live) this.deliver(job.segment, bytes, audio.sampleRate);
      else job.held.push({ bytes, sampleRate: audio.sampleRate });
    }
    signal.throwIfAborted();
  }

  /**
   * One attempt: the guard's deadline may abort it only until its first audio, after which the
   * audio belongs to the clause and stops only with clear() or close().
   */
  async #openUntilAudio(text: string, attempt: AbortSignal, clause: AbortSignal): Promise<ClauseAudio> {
    const request = new AbortController();
    const stop = () => request.abort(attempt.reason);
    attempt.addEventListener('abort', stop, { once: true });
    try {
      const audio = await this.open(text, AbortSignal.any([request.signal, clause]));
      // The guard gave up on this attempt while it was finishing: nobody will read its audio.
      if (attempt.aborted) request.abort(attempt.reason);
      return audio;
    } finally {
      attempt.removeEventListener('abort', stop);
    }
  }

  /** A job finished (or failed): complete every finished job at the head, in order. */
  #settle(job: Job, error?: unknown): void {
    const index = this.#jobs.indexOf(job);
    if (index < 0) return;
    if (error === undefined) job.ended = true;
    else {
      this.#jobs.splice(index, 1);
      this.fail(error, [job.segment]);
    }
    for (let head = this.#jobs[0]; head; head = this.#jobs[0]) {
      this.#goLive(head);
      if (!head.ended) break;
      this.#jobs.shift();
      this.complete(head.segment);
    }
    this.#pump();
  }

  #goLive(job: Job): void {
    job.live = true;
    for (const { bytes, sampleRate } of job.held) this.deliver(job.segment, bytes, sampleRate);
    job.held = [];
  }
}
