/** What Deepgram's live socket failures mean, as ProviderErrors a user can act on. */
import { isRetryable, isRetryableStatus, ProviderError } from '../../errors';

/** How the SDK reports a failed handshake or socket error: a ws ErrorEvent, or an Error. */
interface SocketFailure {
  message?: unknown;
  error?: unknown;
}

const KEY_HINT = 'Set a valid Deepgram key (Parley: Set API Key).';

function describeStatus(status: number): string {
  if (status === 401 || status === 403) return `Deepgram refused the key (${status}). ${KEY_HINT}`;
  if (status === 402) return 'Deepgram refused the request (402): the account has no credit left.';
  if (status === 429) return 'Deepgram is rate-limiting Parley (429); trying again shortly.';
  if (status >= 500) return `Deepgram failed (${status}); trying again shortly.`;
  return `Deepgram refused the live transcription request (${status}); check parley.stt.model.`;
}

/** A failed handshake: `ws` says "Unexpected server response: 401"; network errors carry a code. */
export function handshakeError(failure: unknown): ProviderError {
  const { message, error } = (failure ?? {}) as SocketFailure;
  const text = typeof message === 'string' ? message : failure instanceof Error ? failure.message : String(failure);
  const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
  if (status) {
    const code = Number(status);
    return new ProviderError('stt', 'deepgram', describeStatus(code), isRetryableStatus(code), { cause: failure });
  }
  const cause = error ?? failure;
  const retryable = text === 'TIMEOUT' || isRetryable(cause) || /ECONN|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(text);
  const what = text === 'TIMEOUT' ? 'did not accept the connection in time' : `could not be reached (${text})`;
  return new ProviderError('stt', 'deepgram', `Deepgram ${what}.`, retryable, { cause });
}

/**
 * The server closed a session Parley did not close. 1008 (policy) and 4xxx codes mean the request
 * itself was refused; anything else — a dropped connection (1006), an internal error or the idle
 * timeout (1011, NET-0001) — is worth a new session.
 */
export function unexpectedCloseError(code: number, reason: string, lastError: string | undefined): ProviderError {
  const refused = code === 1008 || (code >= 4000 && code < 5000);
  const detail = [reason, lastError].filter(Boolean).join('; ');
  const what = code === 1006 ? 'dropped the connection' : `closed the connection (code ${code})`;
  return new ProviderError('stt', 'deepgram', `Deepgram ${what}${detail ? `: ${detail}` : ''}.`, !refused);
}

/**
 * Flux reports a failure as an `Error` message (`code`, `description`) before it closes. Only an
 * internal failure is worth a new session; anything else is about what Parley sent or asked for.
 */
export function fluxError(code: string, description: string): ProviderError {
  const retryable = /INTERNAL|UNAVAILABLE|TIMEOUT/i.test(code);
  return new ProviderError('stt', 'deepgram', `Deepgram Flux stopped the session (${code}): ${description}`, retryable);
}
