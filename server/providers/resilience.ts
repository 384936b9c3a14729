/**
 * Every provider call goes through one of these: a timeout, retries of transient errors with
 * exponential backoff and jitter, and a circuit breaker per provider, so a provider that is down
 * fails fast and the stage's fallback list moves on. Built on cockatiel (Microsoft's resilience
 * library: small, typed, maintained, no dependencies) rather than hand-written loops.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, wrap, type IPolicy } from 'cockatiel';
import type { Stage } from '../../protocol/settings';
import { ProviderError, isRetryable } from './errors';

export interface ResilienceOptions {
  /** Per attempt; a streaming call counts until its first byte, then the stream runs on its own. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failures that open the circuit. */
  breakAfter: number;
  /** How long an open circuit rejects calls before letting one through to test the provider. */
  halfOpenAfterMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  timeoutMs: 15_000,
  retries: 2,
  initialDelayMs: 200,
  maxDelayMs: 2_000,
  breakAfter: 5,
  halfOpenAfterMs: 30_000,
};

/** One provider's guard: keep one per provider instance so its breaker remembers failures. */
export class Guard {
  private readonly policy: IPolicy;
  private readonly breaker;

  constructor(
    readonly stage: Stage,
    readonly provider: string,
    readonly options: ResilienceOptions = DEFAULT_RESILIENCE,
  ) {
    this.breaker = circuitBreaker(handleWhen(isRetryable), { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.breakAfter) });
    const retries = retry(handleWhen(isRetryable), {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs }),
    });
    this.policy = wrap(retries, this.breaker);
  }

  get open(): boolean {
    return this.breaker.state === CircuitState.Open;
  }

  /** Runs one call; the signal it gets is aborted on timeout or when the caller's signal aborts. */
  async run<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.policy.execute(({ signal: attemptSignal }) => this.attempt(call, attemptSignal), signal);
    } catch (error) {
      throw this.explain(error, signal);
    }
  }

  /**
   * One attempt with its own deadline. The call's signal aborts at the deadline; the attempt
   * also gives up then even if the call ignores its signal.
   */
  private async attempt<T>(call: (signal: AbortSignal) => Promise<T>, outer: AbortSignal): Promise<T> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const signal = AbortSignal.any([outer, deadline]);
    const timedOut = new Promise<never>((_resolve, reject) => {
      deadline.addEventListener('abort', () => reject(this.timeoutError()), { once: true });
    });
    // The deadline still fires after a call that succeeded; nobody is waiting on it then.
    timedOut.catch(() => undefined);
    try {
      return await Promise.race([call(signal), timedOut]);
    } catch (error) {
      throw deadline.aborted && !outer.aborted ? this.timeoutError(error) : error;
    }
  }

  private timeoutError(cause?: unknown): ProviderError {
    return new ProviderError(this.stage, this.provider, `${this.provider} did not answer within ${this.options.timeoutMs} ms.`, true, { cause });
  }

  private explain(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return error;
    if (error instanceof BrokenCircuitError) {
      return new ProviderError(
        this.stage,
        this.provider,
        `${this.provider} failed several times in a row; Parley pauses it for ${Math.round(this.options.halfOpenAfterMs / 1000)} s.`,
        true,
        { cause: error },
      );
    }
    return error;
  }
}

/** What a provider's options say about its guard. */
export interface GuardOptions {
  resilience?: ResilienceOptions;
  /** The server's guards, one per provider: a provider built anew for other settings keeps its breaker. */
  guards?: GuardPool;
}

/**
 * One guard per provider identity (stage, provider, base URL, model) for the server's lifetime.
 * Stages are rebuilt when settings change; a provider the change did not touch keeps the memory
 * of its failures, so a provider that is down stays skipped.
 */
export class GuardPool {
  readonly #guards = new Map<string, Guard>();

  get(stage: Stage, provider: string, identity: readonly (string | undefined)[], options: ResilienceOptions): Guard {
    const key = JSON.stringify([stage, provider, ...identity.map((part) => part ?? '')]);
    let guard = this.#guards.get(key);
    if (!guard) this.#guards.set(key, (guard = new Guard(stage, provider, options)));
    return guard;
  }
}

/** A provider's guard: its pool's for this identity when it has a pool, else one of its own. */
export function guardFor(
  options: GuardOptions,
  stage: Stage,
  provider: string,
  identity: readonly (string | undefined)[],
  defaults = DEFAULT_RESILIENCE,
): Guard {
  const resilience = options.resilience ?? defaults;
  return options.guards?.get(stage, provider, identity, resilience) ?? new Guard(stage, provider, resilience);
}

/**
 * Tries each provider of a stage in order, moving on when one fails with an error worth a
 * fallback (transient, or its circuit open). The last error is thrown when all fail.
 */
export async function withFallback<P extends { guard: Guard }, T>(
  providers: readonly P[],
  call: (provider: P) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (providers.length === 0) throw new Error('No provider is configured for this stage.');
  let lastError: unknown;
  for (const provider of providers) {
    if (signal?.aborted) break;
    try {
      return await call(provider);
    } catch (error) {
      lastError = error;
      if (!isRetryable(error)) throw error;
    }
  }
  throw lastError;
}
