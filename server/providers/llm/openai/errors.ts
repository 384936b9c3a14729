/** The OpenAI SDK's errors as ProviderErrors (see ../errors.ts for the sentences). */
import OpenAI, { type APIError } from 'openai';
import { isRetryable, type ProviderError } from '../../errors';
import { cancelled, fromStatus, incomplete, isConnectionLoss, malformed, unexpected, unreachable, vendorDetail, type Vendor } from '../errors';

/**
 * An error inside a stream arrives as a data event holding `error`, which the SDK throws as an
 * APIError without a status; most are server-side, a few name a bad request.
 */
function inStreamStatus(error: APIError): number {
  const type = (error.error as { type?: unknown } | undefined)?.type;
  return type === 'invalid_request_error' ? 400 : 500;
}

export function explainOpenAIError(vendor: Vendor, error: unknown): ProviderError {
  if (error instanceof OpenAI.APIUserAbortError) return cancelled(vendor, error);
  if (error instanceof OpenAI.APIConnectionError) return unreachable(vendor, error);
  if (error instanceof OpenAI.APIError) return fromStatus(vendor, error.status ?? inStreamStatus(error), vendorDetail(error), error);
  // A body or SSE event that is not JSON: the SDK throws a plain SyntaxError.
  if (error instanceof SyntaxError) return malformed(vendor, error);
  if (isConnectionLoss(error)) return incomplete(vendor, error);
  return unexpected(vendor, error, isRetryable(error));
}
