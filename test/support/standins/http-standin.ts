import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { parseBody, readRaw } from './body';
import { HttpError, isStreamingBody, type Exchange, type HttpRoute, type RecordedRequest, type SocketRoute, type VendorShape } from './exchange';
import { FaultQueue, isStreamFault, type Fault, type FaultTarget, type RequestFault } from './faults';
import { NO_LATENCY, Pacer, whenAborted, type Latency } from './pacing';

export interface StandInOptions {
  /** Starting latency; change fields of `standIn.latency` later to vary it. */
  latency?: Partial<Latency>;
}

/** What every stand-in offers a test, whatever the vendor. */
export interface StandIn {
  /** `http://127.0.0.1:<port>`, with no path. */
  readonly url: string;
  readonly port: number;
  /** Every request and WebSocket handshake, in arrival order, including rejected ones. */
  readonly requests: RecordedRequest[];
  /** Live latency settings: assign its fields to change the pace of later answers. */
  readonly latency: Latency;
  /** Makes the next matching request fail this way (see faults.ts). */
  failNext(fault: Fault, target?: FaultTarget): void;
  /** Stops listening, aborts answers in progress and drops every connection. */
  close(): Promise<void>;
}

interface Routes {
  vendor: VendorShape;
  http: HttpRoute[];
  sockets?: SocketRoute[];
}

/** Binds a loopback HTTP (and WebSocket) server on a free port serving one vendor's routes. */
export async function startStandIn(routes: Routes, options: StandInOptions = {}): Promise<StandIn> {
  const standIn = new HttpStandIn(routes, { ...NO_LATENCY, ...options.latency });
  await standIn.listen();
  return standIn;
}

class HttpStandIn implements StandIn {
  readonly requests: RecordedRequest[] = [];
  readonly latency: Latency;
  #port = 0;
  readonly #routes: Routes;
  readonly #faults = new FaultQueue();
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  /** Aborted on close, so hanging answers and WebSocket sessions stop. */
  readonly #closing = new AbortController();
  /** Handshakes left hanging by a fault; the HTTP server no longer tracks their sockets. */
  readonly #heldSockets = new Set<Duplex>();

  constructor(routes: Routes, latency: Latency) {
    this.#routes = routes;
    this.latency = latency;
    this.#server = createServer();
    this.#server.on('request', (req, res) => {
      this.#onRequest(req, res).catch((error: unknown) => res.destroy(asError(error)));
    });
    this.#server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  failNext(fault: Fault, target?: FaultTarget): void {
    this.#faults.add(fault, target);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    for (const ws of this.#wss.clients) ws.terminate();
    for (const socket of this.#heldSockets) socket.destroy();
    this.#wss.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #record(req: IncomingMessage): RecordedRequest {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const request: RecordedRequest = {
      id: this.#routes.vendor.newRequestId(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      queryAll: Object.fromEntries([...new Set(url.searchParams.keys())].map((name) => [name, url.searchParams.getAll(name)])),
      headers: req.headers,
      body: undefined,
      receivedAt: performance.now(),
    };
    this.requests.push(request);
    return request;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = this.#record(req);
    const signal = this.#requestSignal(res);
    try {
      await this.#serve(req, request, res, signal);
    } catch (error) {
      this.#answerFailure(request, res, signal, error);
    }
  }

  /** Aborts when the client disconnects before the answer is complete, or the stand-in closes. */
  #requestSignal(res: ServerResponse): AbortSignal {
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    return AbortSignal.any([gone.signal, this.#closing.signal]);
  }

  async #serve(req: IncomingMessage, request: RecordedRequest, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const raw = await readRaw(req);
    try {
      request.body = await parseBody(raw, req.headers['content-type']);
    } catch {
      request.body = raw;
      throw new HttpError(400, `The request body is not valid ${req.headers['content-type'] ?? 'content'}.`);
    }
    const route = this.#routes.http.find((r) => r.method === request.method && r.path === request.path);
    if (!route) throw new HttpError(404, `The stand-in has no route ${request.method} ${request.path}.`);
    const streaming = route.streams?.(request) ?? isStreamingBody(request.body);
    const fault = this.#faults.take(request.path, streaming);
    if (fault && !isStreamFault(fault)) return this.#applyRequestFault(fault, request, res, signal);
    const denied = this.#routes.vendor.authorize(request);
    if (denied) throw denied;
    await route.handle(this.#exchange(request, res, signal, fault));
  }

  #exchange(request: RecordedRequest, res: ServerResponse, signal: AbortSignal, fault: Fault | undefined): Exchange {
    const { latency } = this;
    const idHeader = this.#routes.vendor.requestIdHeader;
    return {
      request,
      res,
      signal,
      latency,
      streamFault: fault && isStreamFault(fault) ? fault : undefined,
      pacer: () => new Pacer(latency, request.receivedAt, signal),
      writeHead: (status, headers) => res.writeHead(status, { [idHeader]: request.id, ...headers }),
    };
  }

  async #applyRequestFault(fault: RequestFault, request: RecordedRequest, res: ServerResponse, signal: AbortSignal): Promise<void> {
    switch (fault.kind) {
      case 'status': {
        const wait = fault.retryAfterMs;
        const headers: Record<string, string> = wait === undefined ? {} : { 'retry-after-ms': String(wait), 'retry-after': String(Math.ceil(wait / 1000)) };
        const message = fault.message ?? `Stand-in fault: ${STATUS_CODES[fault.status] ?? 'error'}.`;
        return this.#sendError(request, res, new HttpError(fault.status, message), headers);
      }
      case 'hang':
        return whenAborted(signal);
      case 'garbage':
        return this.#sendGarbage(request, res);
      case 'drop':
        res.socket?.destroy();
        return;
    }
  }

  /**
   * Truncated JSON, or for a stream an SSE event whose data is not JSON: both must fail to parse.
   * The event is named because the Anthropic SDK skips unnamed events instead of parsing them.
   */
  #sendGarbage(request: RecordedRequest, res: ServerResponse): void {
    const streaming = isStreamingBody(request.body);
    const type = streaming ? 'text/event-stream' : 'application/json';
    res.writeHead(200, { 'content-type': type, [this.#routes.vendor.requestIdHeader]: request.id });
    res.end(streaming ? 'event: message_start\ndata: {"choices": [{"delta": \n\n' : '{"id": "garbage", "choices": [');
  }

  #sendError(request: RecordedRequest, res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
    const body = JSON.stringify(this.#routes.vendor.errorBody(error, request));
    res.writeHead(error.status, {
      'content-type': 'application/json',
      [this.#routes.vendor.requestIdHeader]: request.id,
      ...headers,
    });
    res.end(body);
  }

  #answerFailure(request: RecordedRequest, res: ServerResponse, signal: AbortSignal, error: unknown): void {
    if (signal.aborted) {
      res.destroy();
    } else if (res.headersSent) {
      res.destroy(asError(error));
    } else {
      // A failure that is not an HttpError is a bug in the stand-in; a 500 in the vendor's shape
      // carries its message to the test instead of a bare connection reset.
      const httpError = error instanceof HttpError ? error : new HttpError(500, `Stand-in failure: ${asError(error).message}`);
      this.#sendError(request, res, httpError);
    }
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client resetting a refused or held handshake must not crash the test process with an
    // unhandled 'error'; the socket closes either way.
    socket.on('error', () => undefined);
    const request = this.#record(req);
    const route = this.#routes.sockets?.find((r) => r.path === request.path);
    if (!route) return this.#rejectUpgrade(socket, request, new HttpError(404, `The stand-in has no socket ${request.path}.`));
    const fault = this.#faults.take(request.path, true);
    if (fault && !isStreamFault(fault)) return this.#applyUpgradeFault(socket, request, fault);
    const denied = this.#routes.vendor.authorize(request) ?? route.validate?.(request);
    if (denied) return this.#rejectUpgrade(socket, request, denied);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // ws emits protocol violations as 'error' and then closes; the session sees the close.
      ws.on('error', () => undefined);
      const streamFault = fault && isStreamFault(fault) ? fault : undefined;
      route.accept(ws, { request, signal: this.#closing.signal, latency: this.latency, streamFault });
    });
  }

  #applyUpgradeFault(socket: Duplex, request: RecordedRequest, fault: RequestFault): void {
    switch (fault.kind) {
      case 'status':
        return this.#rejectUpgrade(socket, request, new HttpError(fault.status, fault.message ?? 'Stand-in fault.'));
      case 'hang':
        this.#heldSockets.add(socket);
        socket.on('close', () => this.#heldSockets.delete(socket));
        return;
      case 'garbage':
        // A 200 instead of 101 Switching Protocols: the client must report a failed handshake.
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\ngarbage');
        return;
      case 'drop':
        socket.destroy();
        return;
    }
  }

  /** Answers a handshake with an HTTP error, as the vendors do before upgrading. */
  #rejectUpgrade(socket: Duplex, request: RecordedRequest, error: HttpError): void {
    const body = JSON.stringify(this.#routes.vendor.errorBody(error, request));
    const lines = [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `${this.#routes.vendor.requestIdHeader}: ${request.id}`,
      'Connection: close',
    ];
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
