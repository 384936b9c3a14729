/**
 * The sentences an LLM failure turns into. Every provider maps its SDK's errors through these,
 * so the panel says the same thing for the same trouble whichever vendor caused it, and each
 * error knows whether trying again (or falling back) could help.
 */
import { ProviderError, isRetryableStatus } from '../errors';
import type { StopReason } from './types';

/** How a provider names itself in messages, and what the user should check when it refuses. */
export interface Vendor {
  /** "Anthropic", "OpenAI", "OpenAI-compatible server at http://…". */
  label: string;
  /** The sentence for a refused key, e.g. "Check your Anthropic key (Parley: Set API Key)." */
  keyHint: string;
  /** The sentence for an unknown model or path. */
  notFoundHint: string;
}

const error = (vendor: Vendor, message: string, retryable: boolean, cause?: unknown) => new ProviderError('llm', vendor.label, message, retryable, { cause });

/** The vendor's own explanation inside an SDK error, without the SDK's status prefix. */
export function vendorDetail(sdkError: unknown): string {
  const body = (sdkError as { error?: { message?: unknown; error?: { message?: unknown } } }).error;
  const detail = body?.error?.message ?? body?.message;
  if (typeof detail === 'string' && detail) return detail;
  return sdkError instanceof Error ? sdkError.message : String(sdkError);
}

export function fromStatus(vendor: Vendor, status: number, detail: string, cause?: unknown): ProviderError {
  if (status === 401 || status === 403) return error(vendor, `${vendor.label} refused the key (${status}: ${detail}). ${vendor.keyHint}`, false, cause);
  if (status === 404) return error(vendor, `${vendor.label} answered 404 (${detail}). ${vendor.notFoundHint}`, false, cause);
  if (status === 429) return error(vendor, `${vendor.label} is rate-limiting requests (429: ${detail}).`, true, cause);
  if (status === 529) return error(vendor, `${vendor.label} is overloaded (529: ${detail}).`, true, cause);
  if (isRetryableStatus(status)) return error(vendor, `${vendor.label} failed (${status}: ${detail}).`, true, cause);
  return error(vendor, `${vendor.label} rejected the request (${status}: ${detail}).`, false, cause);
}

/** The innermost error of a cause chain: where fetch's "fetch failed" keeps its ECONNREFUSED. */
export function rootCause(failure: unknown): unknown {
  let current = failure;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  return current;
}

const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Whether a failure anywhere in the cause chain is a connection that broke while in use. */
export function isConnectionLoss(failure: unknown): boolean {
  for (let current = failure, depth = 0; current instanceof Error && depth < 6; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if ((typeof code === 'string' && CONNECTION_LOST.has(code)) || current.message === 'terminated') return true;
  }
  return false;
}

export function unreachable(vendor: Vendor, cause: unknown): ProviderError {
  return error(vendor, `Could not reach ${vendor.label} (${vendorDetail(rootCause(cause))}).`, true, cause);
}

/** A body or stream that does not parse: a proxy's error page, a broken or confused server. */
export function malformed(vendor: Vendor, cause: unknown): ProviderError {
  return error(vendor, `${vendor.label} sent a response Parley could not read (${vendorDetail(cause)}).`, true, cause);
}

/** Retryable: models occasionally emit broken JSON, and the next attempt usually does not. */
export function badToolInput(vendor: Vendor, tool: string, cause?: unknown): ProviderError {
  return error(vendor, `${vendor.label} called the tool "${tool}" with input that is not a JSON object.`, true, cause);
}

export function emptyAnswer(vendor: Vendor, stopReason: StopReason): ProviderError {
  return error(vendor, `${vendor.label} returned an empty answer (stop reason: ${stopReason}).`, stopReason !== 'refusal');
}

/** The stream ended without the vendor's stop reason: the connection closed early. */
export function incomplete(vendor: Vendor, cause?: unknown): ProviderError {
  const why = cause === undefined ? '' : ` (${vendorDetail(rootCause(cause))})`;
  return error(vendor, `${vendor.label} ended the answer before it was complete${why}.`, true, cause);
}

/** Not retryable: the same request would hit the same limit again. */
export function truncatedToolCall(vendor: Vendor, tool: string, maxTokens: number): ProviderError {
  return error(vendor, `${vendor.label} reached the ${maxTokens}-token limit in the middle of a call to the tool "${tool}".`, false);
}

/** Only seen when the provider's own signal aborts outside a barge-in or a deadline. */
export function cancelled(vendor: Vendor, cause: unknown): ProviderError {
  return error(vendor, `The request to ${vendor.label} was cancelled.`, false, cause);
}

export function stalled(vendor: Vendor, ms: number): ProviderError {
  return error(vendor, `${vendor.label} stopped sending in the middle of the answer (nothing for ${ms} ms).`, true);
}

/** An error of the provider's own making that no mapping recognised; keeps the cause for the log. */
export function unexpected(vendor: Vendor, cause: unknown, retryable: boolean): ProviderError {
  return error(vendor, `${vendor.label} failed: ${vendorDetail(cause)}`, retryable, cause);
}
