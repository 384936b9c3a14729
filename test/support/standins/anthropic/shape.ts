import { vendorId } from '../chat-reply';
import { HttpError, type RecordedRequest, type VendorShape } from '../exchange';
import type { ErrorEventFor } from '../sse';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** `{ type: "error", error: { type, message }, request_id }`, Anthropic's error body and SSE error event. */
export function anthropicError(type: string, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

/** Anthropic reports a failure after the stream started as an `error` event; the SDK throws APIError on it. */
export function anthropicErrorEvent(requestId: string): ErrorEventFor {
  return (fault) => ({
    event: 'error',
    data: anthropicError(fault.errorType ?? 'overloaded_error', fault.message ?? 'Overloaded', requestId),
  });
}

/**
 * The API takes the key as `x-api-key` or as `Authorization: Bearer` (SDK 1.x sends the latter),
 * and refuses a request without `anthropic-version`.
 */
export function anthropicShape(apiKey?: string): VendorShape {
  return {
    requestIdHeader: 'request-id',
    newRequestId: () => vendorId('req_'),
    authorize(request: RecordedRequest) {
      const { headers } = request;
      const bearer = headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice('Bearer '.length) : undefined;
      const key = (headers['x-api-key'] as string | undefined) ?? bearer;
      if (!key || (apiKey !== undefined && key !== apiKey)) return new HttpError(401, 'invalid x-api-key');
      if (!headers['anthropic-version']) return new HttpError(400, 'anthropic-version: header is required');
      return undefined;
    },
    errorBody: (error, request) => anthropicError(error.errorType ?? errorType(error.status), error.message, request.id),
  };
}
