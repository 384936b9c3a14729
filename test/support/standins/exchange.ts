import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { StreamFault } from './faults';
import type { Latency, Pacer } from './pacing';

/** What the stand-in saw of one request (or WebSocket handshake); tests assert on these. */
export interface RecordedRequest {
  /** The id the stand-in answered with (in the vendor's request-id header and error bodies). */
  id: string;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Query parameters; a repeated name keeps its last value. */
  query: Record<string, string>;
  /** Every value of each query parameter, in order (Deepgram's `keyterm` repeats). */
  queryAll: Record<string, string[]>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, multipart fields (see body.ts), text, raw bytes, or undefined for no body. */
  body: unknown;
  /** `performance.now()` when the request arrived, the origin of every latency setting. */
  receivedAt: number;
}

/** A client error the route reports in the vendor's error shape (and HTTP status). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Vendor error type or code when the default for the status is not right. */
    readonly errorType?: string,
  ) {
    super(message);
  }
}

/** One HTTP request being answered by a route. */
export interface Exchange {
  readonly request: RecordedRequest;
  readonly res: ServerResponse;
  /** Aborts when the client goes away or the stand-in closes; routes stop writing then. */
  readonly signal: AbortSignal;
  readonly latency: Latency;
  /** A mid-stream failure scheduled for this request, if it streams. */
  readonly streamFault?: StreamFault;
  /** Paces this answer: first tick at receivedAt + ttfbMs, then every interTokenMs. */
  pacer(): Pacer;
  /** Writes the status line with the vendor's request-id header added. */
  writeHead(status: number, headers: OutgoingHttpHeaders): void;
}

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  /** Whether the request streams (and so may take a stream fault); default: a `stream: true` body field. */
  streams?(request: RecordedRequest): boolean;
  handle(exchange: Exchange): Promise<void>;
}

/** One accepted WebSocket session. */
export interface SocketExchange {
  readonly request: RecordedRequest;
  /** Aborts when the stand-in closes. */
  readonly signal: AbortSignal;
  readonly latency: Latency;
  readonly streamFault?: StreamFault;
}

export interface SocketRoute {
  path: string;
  /** Rejects the handshake before the upgrade, e.g. for a bad query parameter. */
  validate?(request: RecordedRequest): HttpError | undefined;
  accept(ws: WebSocket, exchange: SocketExchange): void;
}

/** How one vendor authenticates and reports errors; the rest of the base is vendor-neutral. */
export interface VendorShape {
  /** Response header carrying the request id (`x-request-id`, `request-id`, `dg-request-id`). */
  requestIdHeader: string;
  newRequestId(): string;
  /** The rejection for missing or wrong credentials, or undefined to let the request through. */
  authorize(request: RecordedRequest): HttpError | undefined;
  /** The JSON body the vendor sends with an error status. */
  errorBody(error: HttpError, request: RecordedRequest): unknown;
}

export function isStreamingBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('stream' in body)) return false;
  return body.stream === true || body.stream === 'true';
}
