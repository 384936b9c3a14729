/**
 * What a provider failure means to the rest of Parley: which stage and provider, whether trying
 * again could help, and a sentence the user can act on.
 */
import type { Stage } from '../../protocol/settings';

export class ProviderError extends Error {
  constructor(
    readonly stage: Stage,
    readonly provider: string,
    message: string,
    /** True for timeouts, rate limits, 5xx and dropped connections; false for bad keys or requests. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}

/** HTTP statuses worth retrying: request timeout, conflict, rate limit, and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Retryability of an unknown error: our own verdict if it has one, else its HTTP status or network code. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ProviderError) return error.retryable;
  if (error instanceof Error && error.name === 'AbortError') return false;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return isRetryableStatus(status);
  // The OpenAI and Anthropic SDKs report a refused or dropped connection with no status.
  if (error instanceof Error && ['APIConnectionError', 'APIConnectionTimeoutError'].includes(error.constructor.name)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code);
}
