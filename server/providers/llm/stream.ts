/**
 * An answer after its first event: the rest of the provider's stream, read with a stall
 * deadline between chunks and stopped at once when the caller aborts (barge-in). Failures here
 * are surfaced, never retried: part of the answer may already be on its way to the speaker.
 */
import { performance } from 'node:perf_hooks';
import type { ProviderError } from '../errors';
import { incomplete, stalled, type Vendor } from './errors';
import { llmEvent, type LlmEvent, type ProviderChunk } from './types';

/** A provider stream that has produced its first event, as the guarded phase hands it over. */
export interface OpenedStream {
  iterator: AsyncIterator<ProviderChunk>;
  /** Cancels this answer's HTTP stream. */
  controller: AbortController;
  /** Chunks read while opening: any usage, then the first text or tool call. */
  head: ProviderChunk[];
  /** `performance.now()` when the first text or tool call arrived. */
  firstAt: number;
}

export interface AnswerContext {
  provider: string;
  model: string;
  vendor: Vendor;
  /** `performance.now()` when the request was made, before any retry. */
  startedAt: number;
  stallTimeoutMs: number;
  /** The caller's signal; aborting it ends the iteration quietly and cancels the HTTP stream. */
  signal?: AbortSignal;
  toProviderError(error: unknown): ProviderError;
}

export class AnswerStream implements AsyncIterable<LlmEvent> {
  #consumed = false;
  #stopped = false;
  readonly #cancel = () => this.opened.controller.abort();

  constructor(
    private readonly opened: OpenedStream,
    private readonly context: AnswerContext,
  ) {
    // Linked now rather than when iteration starts, so an abort before the first read still
    // closes the connection.
    context.signal?.addEventListener('abort', this.#cancel, { once: true });
    if (context.signal?.aborted) this.#cancel();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LlmEvent> {
    if (this.#consumed) throw new Error('An LLM answer can be read only once.');
    this.#consumed = true;
    try {
      for (const chunk of this.opened.head) {
        if (this.#aborted) return;
        yield this.#event(chunk);
      }
      while (!this.#stopped) {
        const chunk = await this.#next();
        if (chunk === undefined) return;
        yield this.#event(chunk);
      }
    } finally {
      // Also reached when the consumer breaks out early: the HTTP stream must not run on.
      this.#close();
    }
  }

  get #aborted(): boolean {
    return this.context.signal?.aborted === true;
  }

  #event(chunk: ProviderChunk): LlmEvent {
    if (chunk.type !== 'stop') return llmEvent(chunk);
    this.#stopped = true;
    const { provider, model, startedAt } = this.context;
    const now = performance.now();
    return llmEvent({ type: 'done', stopReason: chunk.stopReason, provider, model, ttftMs: this.opened.firstAt - startedAt, durationMs: now - startedAt });
  }

  /**
   * The next chunk, or undefined once the caller has aborted. Races the provider against the
   * abort itself so that an SDK slow to notice its signal cannot delay the barge-in.
   */
  async #next(): Promise<ProviderChunk | undefined> {
    if (this.#aborted) return undefined;
    const { signal } = this.opened.controller;
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const stall = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(stalled(this.context.vendor, this.context.stallTimeoutMs)), this.context.stallTimeoutMs);
    });
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([this.opened.iterator.next(), stall, aborted]);
      if (result === undefined || this.#aborted) return undefined;
      if (result.done) throw incomplete(this.context.vendor);
      return result.value;
    } catch (error) {
      if (this.#aborted) return undefined;
      throw this.context.toProviderError(error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  #close(): void {
    this.context.signal?.removeEventListener('abort', this.#cancel);
    this.opened.controller.abort();
    // The provider's generator may be mid-await; its return settles once the abort reaches it.
    this.opened.iterator.return?.().catch(() => undefined);
  }
}
