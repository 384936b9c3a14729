/** OpenAI SDK failures as ProviderErrors: which are worth another try, and what the user can do. */
import { APIConnectionError, APIError } from 'openai';
import type { SttProvider } from '../../../../protocol/settings';
import { isRetryableStatus, ProviderError } from '../../errors';

export function transcriptionError(provider: SttProvider, error: unknown, where: string): ProviderError {
  if (error instanceof ProviderError) return error;
  // A connection error (refused, reset, timed out) is an APIError without a status.
  if (error instanceof APIConnectionError) {
    return new ProviderError('stt', provider, `${where} could not be reached (${error.message}).`, true, { cause: error });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    return new ProviderError('stt', provider, describe(provider, error.status, error.message, where), isRetryableStatus(error.status), { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('stt', provider, `${where} failed: ${message}`, false, { cause: error });
}

function describe(provider: SttProvider, status: number, message: string, where: string): string {
  if (status === 401 || status === 403) {
    return provider === 'openai'
      ? `OpenAI refused the key (${status}). Set a valid OpenAI key (Parley: Set API Key).`
      : `${where} refused the request (${status}): it needs a key; set one with Parley: Set API Key (OpenAI).`;
  }
  if (status === 404) return `${where} has no such transcription model or endpoint (404); check parley.stt.model and parley.stt.baseUrl.`;
  return `${where} answered ${status}: ${message}`;
}
