/**
 * What Deepgram's two live-transcription sockets (`/v1/listen` and Flux's `/v2/listen`) share as
 * SttStreams: the handshake under the caller's signal, audio out, something sent while no audio
 * flows so the socket is not closed as idle, a polite close that still takes the last results,
 * and a session the server ended reported once as a fatal error.
 */
import type { Logger } from '../../../log';
import type { ProviderError } from '../../errors';
import { SttStream } from '../stt';
import { handshakeError, unexpectedCloseError } from './errors';

/** The part of the SDK's socket classes (V1Socket, V2Socket) this base drives. */
export interface DeepgramSocket {
  readonly readyState: number;
  connect(): unknown;
  waitForOpen(): Promise<unknown>;
  sendMedia(message: ArrayBufferView): void;
  close(): void;
}

const OPEN = 1;

export interface DeepgramStreamTiming {
  /** Something goes out after this long without audio (Deepgram closes idle sockets at 10 s). */
  keepAliveMs: number;
  /** How long close() waits for Deepgram's last results after CloseStream. */
  closeTimeoutMs: number;
}

export abstract class DeepgramSocketStream<S extends DeepgramSocket> extends SttStream {
  readonly #keepAlive: NodeJS.Timeout;
  #open = false;
  #closingByUs = false;
  #lastError: string | undefined;
  #serverClosed: () => void = () => undefined;
  readonly #serverClose = new Promise<void>((resolve) => (this.#serverClosed = resolve));

  /** Subclasses route the socket's `message`, `error` and `close` events to receive(), socketError() and socketClosed(). */
  constructor(
    protected readonly socket: S,
    log: Logger,
    private readonly timing: DeepgramStreamTiming,
  ) {
    super('deepgram', log);
    this.#keepAlive = setTimeout(() => this.#idle(), timing.keepAliveMs).unref();
  }

  /** Connects; rejects with a ProviderError (and leaves no socket behind) if the handshake fails or `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    this.socket.connect();
    const aborted = new Promise<never>((_resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.socket.waitForOpen(), aborted]);
      this.#open = true;
      this.#keepAlive.refresh();
    } catch (error) {
      this.#discard();
      throw signal.aborted ? error : handshakeError(error);
    }
  }

  /** What keeps the socket open while no audio flows. */
  protected abstract sendKeepAlive(): void;
  /** Asks the server to finish what it has and close. */
  protected abstract sendCloseStream(): void;

  protected override sendAudio(pcm: Buffer): void {
    if (!this.sendable()) return;
    this.socket.sendMedia(pcm);
    this.#keepAlive.refresh();
  }

  protected override async shutdown(): Promise<void> {
    clearTimeout(this.#keepAlive);
    this.#closingByUs = true;
    if (this.sendable()) {
      this.sendCloseStream();
      await Promise.race([this.#serverClose, new Promise((resolve) => setTimeout(resolve, this.timing.closeTimeoutMs).unref())]);
    }
    this.#discard();
  }

  protected sendable(): boolean {
    return this.#open && this.socket.readyState === OPEN;
  }

  protected socketError(error: Error): void {
    this.#lastError = error.message;
  }

  /** A failure the server reported in a message: fatal, and the close that follows says nothing more. */
  protected failFatally(error: ProviderError): void {
    this.#open = false;
    this.fail(error, true);
  }

  /**
   * The SDK reports a failing socket as a synthetic close followed by the error, in the same tick,
   * so the verdict waits a turn of the event loop to include the error's message.
   */
  protected socketClosed(code: number, reason: string): void {
    this.#serverClosed();
    if (!this.#open || this.#closingByUs) return;
    this.#open = false;
    setImmediate(() => this.fail(unexpectedCloseError(code, reason, this.#lastError), true));
  }

  #idle(): void {
    if (!this.sendable() || this.#closingByUs) return;
    this.sendKeepAlive();
    this.#keepAlive.refresh();
  }

  /** Drops the socket without a word to Deepgram: no reconnects, no events. */
  #discard(): void {
    clearTimeout(this.#keepAlive);
    this.#closingByUs = true;
    this.socket.close();
  }
}
