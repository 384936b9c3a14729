import { randomUUID } from 'node:crypto';
import { HttpError, type RecordedRequest, type VendorShape } from '../exchange';

function errorCode(status: number): string {
  if (status === 401) return 'INVALID_AUTH';
  if (status === 402) return 'ASR_PAYMENT_REQUIRED';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  return 'Bad Request';
}

/**
 * Deepgram takes `Authorization: Token <api key>` (what the SDK sends for `apiKey`) or
 * `Authorization: Bearer <access token>`; errors are `{ err_code, err_msg, request_id }`.
 */
export function deepgramShape(apiKey?: string): VendorShape {
  return {
    requestIdHeader: 'dg-request-id',
    newRequestId: () => randomUUID(),
    authorize(request: RecordedRequest) {
      const match = /^(Token|Bearer) (.+)$/.exec(request.headers.authorization ?? '');
      if (match && (apiKey === undefined || match[2] === apiKey)) return undefined;
      return new HttpError(401, 'Invalid credentials.');
    },
    errorBody: (error, request) => ({ err_code: error.errorType ?? errorCode(error.status), err_msg: error.message, request_id: request.id }),
  };
}
