/**
 * What the hub answers when a request cannot be served: an HTTP status and a stable code a client
 * can act on, with a message for people. Every error response is `{"error": {"code", "message"}}`.
 */

export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, such as Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export function notFound(what: string): HubError {
  return new HubError(404, 'not_found', `${what} was not found; it may have been removed, or it is not yours to see.`);
}

export function invalid(message: string): HubError {
  return new HubError(400, 'invalid_request', message);
}

/**
 * PostgreSQL error classes that mean the database is out of reach or going away (connection
 * failures, admin shutdown, crash recovery, too many connections), as opposed to a query's fault.
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** Whether an error from `pg` says the database cannot be reached right now (worth a 503 and a retry). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}

/**
 * Every connection of this hub stayed in use while the request waited for one: the hub sheds the
 * request rather than queue it without end, and says it is load, not an outage.
 */
export function hubBusy(connections: number, waitedMs: number): HubError {
  return new HubError(
    503,
    'hub_busy',
    `The hub is busy: all ${connections} of its database connections stayed in use for ${waitedMs / 1000} s; try again shortly.`,
    { 'Retry-After': '2' },
  );
}

export function databaseUnavailable(): HubError {
  return new HubError(503, 'database_unavailable', 'The hub cannot reach its database right now; try again shortly.', { 'Retry-After': '5' });
}
