/** The Anthropic SDK's errors as ProviderErrors (see ../errors.ts for the sentences). */
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { isRetryable, type ProviderError } from '../../errors';
import { cancelled, fromStatus, incomplete, isConnectionLoss, malformed, unexpected, unreachable, vendorDetail, type Vendor } from '../errors';

/**
 * A failure after the stream started arrives as an SSE `error` event, which the SDK throws as an
 * APIError without a status; its error type says what an HTTP status would have said.
 */
const STATUS_OF_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function errorType(error: APIError): string | undefined {
  const type = (error.error as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

export function explainAnthropicError(vendor: Vendor, error: unknown): ProviderError {
  if (error instanceof Anthropic.APIUserAbortError) return cancelled(vendor, error);
  if (error instanceof Anthropic.APIConnectionError) return unreachable(vendor, error);
  if (error instanceof Anthropic.APIError) {
    const status = error.status ?? STATUS_OF_ERROR_TYPE[errorType(error) ?? 'api_error'] ?? 500;
    return fromStatus(vendor, status, vendorDetail(error), error);
  }
  // The stream helper wraps what it could not parse in an AnthropicError whose cause is the SyntaxError.
  if (error instanceof SyntaxError || (error instanceof Error && error.cause instanceof SyntaxError)) return malformed(vendor, error);
  if (isConnectionLoss(error)) return incomplete(vendor, error);
  return unexpected(vendor, error, isRetryable(error));
}
