/**
 * The webview's connection to the server's live WebSocket. It reconnects with backoff when the
 * connection drops, asking the extension for the endpoint again, since a restarted server has a
 * new port and token.
 */
import { decodeAudioFrame, liveUrl, type ServerFrame } from '../protocol/live';
import { readServerFrame } from '../protocol/serverFrames';
import type { LiveEndpoint } from '../protocol/lsp';

export type LiveState = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'reconnecting'; attempt: number } | { kind: 'stopped'; reason: string };

export interface LiveEvents {
  onFrame(frame: ServerFrame): void;
  /** Assistant audio to play. */
  onAudio(pcm: Int16Array, sampleRate: number): void;
  onState(state: LiveState): void;
  /** Asks the extension for the current endpoint; it answers with a `connect` message. */
  requestEndpoint(): void;
}

const MAX_BACKOFF_MS = 5000;

export class LiveConnection {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private retryTimer: number | undefined;

  constructor(private readonly events: LiveEvents) {}

  connect(endpoint: LiveEndpoint): void {
    this.drop();
    this.events.onState(this.attempt === 0 ? { kind: 'connecting' } : { kind: 'reconnecting', attempt: this.attempt });
    const socket = new WebSocket(liveUrl(endpoint));
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.events.onState({ kind: 'connected' });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) {
        const { pcm, sampleRate } = decodeAudioFrame(event.data);
        return this.events.onAudio(pcm, sampleRate);
      }
      if (typeof event.data === 'string') this.events.onFrame(readServerFrame(event.data));
    };
    socket.onclose = () => {
      if (this.socket === socket) this.scheduleRetry();
    };
  }

  serverStopped(reason: string): void {
    this.drop();
    this.events.onState({ kind: 'stopped', reason });
  }

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(frame: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  sendAudio(pcm: Int16Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(new Uint8Array(pcm.buffer as ArrayBuffer, pcm.byteOffset, pcm.byteLength));
  }

  private scheduleRetry(): void {
    this.socket = undefined;
    this.attempt += 1;
    this.events.onState({ kind: 'reconnecting', attempt: this.attempt });
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.attempt - 1));
    this.retryTimer = window.setTimeout(() => this.events.requestEndpoint(), delay);
  }

  private drop(): void {
    window.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
  }
}
