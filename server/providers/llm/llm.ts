/**
 * The LLM stage's base class. `chat` wraps each provider's `stream` hook so that every provider
 * gets the same resilience, timing and abort behaviour:
 *
 * - Until the first text or tool call arrives, the call runs under the provider's Guard: a
 *   deadline per attempt, retries of transient failures, the circuit breaker. Nothing has been
 *   said yet, so trying again (or falling back to another provider) is safe.
 * - After that the answer streams on its own (stream.ts) and a failure is surfaced, not retried:
 *   a retry would speak the beginning of the answer twice.
 * - Aborting the caller's signal (barge-in) cancels the HTTP stream and ends the iteration.
 * - Key-shaped strings anywhere in the request are masked before it leaves (redact.ts).
 */
import { performance } from 'node:perf_hooks';
import type { LlmProvider } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../errors';
import { guardFor, type Guard, type GuardOptions } from '../resilience';
import { emptyAnswer, incomplete, type Vendor } from './errors';
import { redactRequest } from './redact';
import { AnswerStream, type OpenedStream } from './stream';
import type { ChatRequest, LlmChat, LlmEvent, ProviderChunk } from './types';

export interface LlmOptions extends GuardOptions {
  /** Longest silence allowed inside an answer once it has started; default: the resilience timeout. */
  stallTimeoutMs?: number;
}

export abstract class LLM implements LlmChat {
  readonly guard: Guard;
  readonly stallTimeoutMs: number;

  constructor(
    readonly provider: LlmProvider,
    readonly model: string,
    readonly vendor: Vendor,
    protected readonly log: Logger,
    options: LlmOptions = {},
  ) {
    // The vendor's label names a compatible server's address, which tells two of them apart.
    this.guard = guardFor(options, 'llm', vendor.label, [provider, model]);
    this.stallTimeoutMs = options.stallTimeoutMs ?? this.guard.options.timeoutMs;
  }

  /**
   * Streams the model's answer. Throws a ProviderError when the provider fails; ends without a
   * `done` event, and without throwing, when `signal` aborts.
   */
  async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<LlmEvent> {
    let answer: AnswerStream;
    try {
      answer = await this.open(request, signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    yield* answer;
  }

  /**
   * Starts an answer and resolves once its first text or tool call has arrived, retrying until
   * then; the stage's fallback list uses this to move on before anything was said. Iterate the
   * result (or abort `signal`), or its connection stays open. `startedAt` is where the time to
   * first token counts from: after a fallback, the stage's start, since the user waited all along.
   */
  async open(request: ChatRequest, signal?: AbortSignal, startedAt = performance.now()): Promise<AnswerStream> {
    const outgoing = await redactRequest(request);
    const opened = await this.guard.run((attempt) => this.attempt(outgoing, attempt), signal);
    const toProviderError = (error: unknown) => this.toProviderError(error);
    return new AnswerStream(opened, {
      provider: this.provider,
      model: this.model,
      vendor: this.vendor,
      startedAt,
      stallTimeoutMs: this.stallTimeoutMs,
      signal,
      toProviderError,
    });
  }

  /**
   * The provider's streaming call: chunks in order, ending with `stop` once the vendor's stream
   * has ended normally. It must cancel its HTTP request when `signal` aborts.
   */
  protected abstract stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ProviderChunk>;

  /** Turns an SDK or network error into a ProviderError that says what to do. */
  protected abstract explain(error: unknown): ProviderError;

  protected toProviderError(error: unknown): ProviderError {
    return error instanceof ProviderError ? error : this.explain(error);
  }

  /**
   * One attempt under the Guard. The Guard's signal carries the attempt's deadline, which must
   * stop mattering once the answer has started, so the HTTP stream gets its own controller that
   * follows the Guard's signal only until then.
   */
  private async attempt(request: ChatRequest, guardSignal: AbortSignal): Promise<OpenedStream> {
    const controller = new AbortController();
    const cancel = () => controller.abort();
    guardSignal.addEventListener('abort', cancel, { once: true });
    if (guardSignal.aborted) cancel();
    const iterator = this.stream(request, controller.signal)[Symbol.asyncIterator]();
    try {
      const head = await this.readHead(iterator);
      return { iterator, controller, head, firstAt: performance.now() };
    } catch (error) {
      controller.abort();
      iterator.return?.().catch(() => undefined);
      throw this.attemptFailed(error, guardSignal);
    } finally {
      guardSignal.removeEventListener('abort', cancel);
    }
  }

  /** Reads up to the first text or tool call; an answer that stops before one is empty. */
  private async readHead(iterator: AsyncIterator<ProviderChunk>): Promise<ProviderChunk[]> {
    const head: ProviderChunk[] = [];
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) throw incomplete(this.vendor);
      if (value.type === 'stop') throw emptyAnswer(this.vendor, value.stopReason);
      head.push(value);
      if (value.type !== 'usage') return head;
    }
  }

  private attemptFailed(error: unknown, guardSignal: AbortSignal): unknown {
    // An abort is the caller's or the Guard's deadline; the Guard reports either better than we can.
    if (guardSignal.aborted) return error;
    const failure = this.toProviderError(error);
    this.log.warn('LLM request failed', { provider: this.vendor.label, model: this.model, error: failure.message, retryable: failure.retryable });
    return failure;
  }
}
