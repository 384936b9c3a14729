/**
 * The live WebSocket that webviews connect to directly: 127.0.0.1 only, a random port, a
 * per-launch token, an Origin check, a frame-size cap and a message-rate limit. Anything malformed
 * closes that one connection; the server and other connections carry on. Typed turns have a rate
 * of their own, much lower: a turn over it is refused with a notice, and the connection stays.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  LIVE_BURST_FRAMES,
  LIVE_BURST_TURNS,
  LIVE_MAX_FRAMES_PER_SECOND,
  LIVE_MAX_TURNS_PER_SECOND,
  LIVE_MAX_FRAME_BYTES,
  LIVE_TOKEN_PARAM,
  LiveClose,
  type ClientFrame,
  type ServerFrame,
} from '../../protocol/live';
import { errorMessage, type Logger } from '../log';
import { newToken, originAllowed, tokenMatches } from './access';
import { serveCapturePage } from './capturePage';
import { parseClientFrame } from './frames';
import { TokenBucket } from './rateLimit';
import { notSent } from './refusal';

export const LIVE_PATH = '/live';

export interface LiveServerOptions {
  log: Logger;
  maxFrameBytes?: number;
  framesPerSecond?: number;
  burstFrames?: number;
  extraOrigins?: readonly string[];
  /** Where the browser capture page's scripts are (dist/webview); without it the page is not served. */
  assetsDir?: string;
}

/** One connected webview, as the rest of the server sees it. */
export interface LiveClient {
  send(frame: ServerFrame): void;
  /** A binary frame: assistant audio for playback (see protocol/live.ts, encodeAudioFrame). */
  sendBinary(data: Buffer): void;
  /** Set by whoever opens a capture for this client; binary frames go here, and are refused without it. */
  onAudio?: (pcm: Buffer) => void;
  /** Set by the sink that plays answers on this client: its playback reports go there. */
  onPlayback?: (report: PlaybackReport) => void;
}

export type PlaybackReport = Extract<ClientFrame, { type: 'playback' }>;

/** What the rest of the server does with a connection: greet it, answer its frames, end its capture. */
export interface LiveHandlers {
  onOpen(client: LiveClient): void;
  onFrame(frame: ClientFrame, client: LiveClient): void;
  onClose(client: LiveClient): void;
}

/** One connection's rates: every frame, and the typed turns among them. */
interface Limits {
  frames: TokenBucket;
  turns: TokenBucket;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export class LiveServer {
  readonly token = newToken();
  private readonly wss: WebSocketServer;
  /** Browser origins accepted besides webviews and loopback pages: the options', and a remote window's. */
  private readonly origins: Set<string>;
  private handlers: LiveHandlers | undefined;
  /** Connections from the capture page (this server's own origin). */
  private readonly capturePages = new WeakSet<WebSocket>();

  private constructor(
    private readonly http: Server,
    private readonly options: LiveServerOptions,
  ) {
    this.origins = new Set(options.extraOrigins);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? LIVE_MAX_FRAME_BYTES });
    http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    http.on('request', (request, response) => {
      const assets = options.assetsDir;
      const served = assets ? serveCapturePage(request, response, this.token, this.port, assets) : Promise.resolve(false);
      served.then(
        (handled) => handled || response.writeHead(404).end(),
        () => response.writeHead(500).end(),
      );
    });
  }

  static async start(options: LiveServerOptions): Promise<LiveServer> {
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    return new LiveServer(http, options);
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${LIVE_PATH}`;
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  /**
   * Connections that can show the conversation's cards: every client but the browser capture
   * page, which this server serves from its own origin and which only listens and plays.
   */
  get panelCount(): number {
    let count = 0;
    for (const client of this.wss.clients) if (!this.capturePages.has(client)) count++;
    return count;
  }

  /**
   * Accepts connections from the origin the editor's webviews load from when the window is remote
   * (code-server on another host, say): the extension learns it from asExternalUri. Only an http(s)
   * origin is taken, exactly as a browser sends it.
   */
  allowRemoteOrigin(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return false;
    this.origins.add(origin);
    return true;
  }

  setHandlers(handlers: LiveHandlers): void {
    this.handlers = handlers;
  }

  broadcast(frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const client of this.wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(text);
    }
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.close(LiveClose.goingAway, 'server shutting down');
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== LIVE_PATH) return reject(socket, 404, 'Not Found');
    if (!tokenMatches(this.token, url.searchParams.get(LIVE_TOKEN_PARAM))) {
      this.options.log.warn('Refused a live connection without the right token');
      return reject(socket, 401, 'Unauthorized');
    }
    const origin = request.headers.origin;
    if (!originAllowed(origin, [...this.origins])) {
      this.options.log.warn('Refused a live connection from a foreign origin', { origin });
      return reject(socket, 403, 'Forbidden');
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      if (origin !== undefined && this.isOwnOrigin(origin)) this.capturePages.add(ws);
      this.accept(ws);
    });
  }

  /** The origin of the pages this server serves (the capture page), by either loopback name. */
  private isOwnOrigin(origin: string): boolean {
    return origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  private accept(ws: WebSocket): void {
    const limits: Limits = {
      frames: new TokenBucket(this.options.framesPerSecond ?? LIVE_MAX_FRAMES_PER_SECOND, this.options.burstFrames ?? LIVE_BURST_FRAMES),
      turns: new TokenBucket(LIVE_MAX_TURNS_PER_SECOND, LIVE_BURST_TURNS),
    };
    const client: LiveClient = {
      send: (frame) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
      },
      sendBinary: (data) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
      },
    };
    ws.on('message', (data, isBinary) => this.receive(ws, limits, data, isBinary, client));
    // `ws` reports oversize frames and protocol violations here, after it has closed the socket.
    ws.on('error', (error) => this.options.log.warn('Closed a live connection after a protocol error', { error: errorMessage(error) }));
    ws.on('close', () => this.handlers?.onClose(client));
    this.handlers?.onOpen(client);
  }

  private receive(ws: WebSocket, limits: Limits, data: RawData, isBinary: boolean, client: LiveClient): void {
    if (!limits.frames.take()) return this.closeBad(ws, LiveClose.policyViolation, 'too many messages');
    if (isBinary) {
      if (!client.onAudio) return this.closeBad(ws, LiveClose.unsupportedData, 'audio frame without an open capture');
      const pcm = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      if (pcm.length % 2 !== 0) return this.closeBad(ws, LiveClose.unsupportedData, 'audio frame with an odd number of bytes');
      return client.onAudio(pcm);
    }
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return this.closeBad(ws, LiveClose.unsupportedData, parsed.error);
    if (parsed.frame.type === 'say' && !limits.turns.take()) return this.refuseTurn(client, parsed.frame.text);
    if (parsed.frame.type === 'playback') return client.onPlayback?.(parsed.frame);
    this.handlers?.onFrame(parsed.frame, client);
  }

  private refuseTurn(client: LiveClient, text: string): void {
    this.options.log.warn('Refused a typed turn over the turn rate', { turnsPerSecond: LIVE_MAX_TURNS_PER_SECOND, burst: LIVE_BURST_TURNS });
    client.send(notSent(`Parley takes at most ${LIVE_MAX_TURNS_PER_SECOND} messages a second`, text));
  }

  private closeBad(ws: WebSocket, code: number, reason: string): void {
    this.options.log.warn(`Closed a live connection: ${reason}`);
    ws.close(code, reason);
  }
}
