import { HttpError, type RecordedRequest, type VendorShape } from '../exchange';
import type { ErrorEventFor } from '../sse';
import { vendorId } from '../chat-reply';

/** OpenAI's error `type` for a status, as the API reports it. */
function errorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function errorCode(status: number): string | null {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'rate_limit_exceeded';
  return null;
}

/** `{ error: { message, type, param, code } }`, the body of every OpenAI error. */
export function openAIError(status: number, message: string, code?: string): { error: Record<string, unknown> } {
  return { error: { message, type: errorType(status), param: null, code: code ?? errorCode(status) } };
}

/** OpenAI sends a failure inside a stream as a data event holding `error`; the SDK throws APIError on it. */
export const openAIErrorEvent: ErrorEventFor = (fault) => ({
  data: openAIError(500, fault.message ?? 'The server had an error while processing your request.', fault.errorType),
});

/** Bearer authentication; with `apiKey` set only that key passes, otherwise any non-empty key does. */
export function openAIShape(apiKey?: string): VendorShape {
  return {
    requestIdHeader: 'x-request-id',
    newRequestId: () => vendorId('req_'),
    authorize(request: RecordedRequest) {
      const header = request.headers.authorization ?? '';
      const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (key && (apiKey === undefined || key === apiKey)) return undefined;
      return new HttpError(401, key ? 'Incorrect API key provided.' : "You didn't provide an API key.");
    },
    errorBody: (error) => openAIError(error.status, error.message, error.errorType),
  };
}
