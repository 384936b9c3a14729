/**
 * One Deepgram live-transcription session (`/v1/listen`) as an SttStream: audio goes out as it
 * comes, results come back as interim / final text, and Deepgram's own end-of-speech signals
 * (speech_final after `endpointing` ms of silence, UtteranceEnd after a word gap) end turns.
 */
import type { Deepgram, DeepgramClient } from '@deepgram/sdk';
import type { Logger } from '../../../log';
import type { LocalEndOfTurnReason } from '../events';
import { SttStream } from '../stt';
import { handshakeError, unexpectedCloseError } from './errors';

export type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;
type Message = Deepgram.listen.ListenV1Results | Deepgram.listen.ListenV1UtteranceEnd | Deepgram.listen.ListenV1SpeechStarted | { type: string };

const OPEN = 1;

export interface DeepgramStreamTiming {
  /** A KeepAlive goes out after this long without audio (Deepgram closes idle sockets at 10 s). */
  keepAliveMs: number;
  /** How long close() waits for Deepgram's last results after CloseStream. */
  closeTimeoutMs: number;
}

export class DeepgramStream extends SttStream {
  readonly #keepAlive: NodeJS.Timeout;
  /** Why the turn is being finalized, between endTurn() and Deepgram's from_finalize answer. */
  #finalizing: LocalEndOfTurnReason | undefined;
  #open = false;
  #closingByUs = false;
  #lastError: string | undefined;
  #serverClosed: () => void = () => undefined;
  readonly #serverClose = new Promise<void>((resolve) => (this.#serverClosed = resolve));

  constructor(
    private readonly socket: ListenSocket,
    log: Logger,
    private readonly timing: DeepgramStreamTiming,
  ) {
    super('deepgram', log);
    socket.on('message', (message) => this.#receive(message as Message));
    socket.on('error', (error) => (this.#lastError = error.message));
    socket.on('close', (event) => this.#closedByServer(event.code, event.reason ?? ''));
    this.#keepAlive = setTimeout(() => this.#sendKeepAlive(), timing.keepAliveMs).unref();
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

  protected override sendAudio(pcm: Buffer): void {
    if (!this.#sendable()) return;
    this.socket.sendMedia(pcm);
    this.#keepAlive.refresh();
  }

  protected override finishTurn(reason: LocalEndOfTurnReason): void {
    if (!this.#sendable()) return;
    this.#finalizing = reason;
    this.socket.sendFinalize({ type: 'Finalize' });
  }

  protected override async shutdown(): Promise<void> {
    clearTimeout(this.#keepAlive);
    this.#closingByUs = true;
    if (this.#sendable()) {
      this.socket.sendCloseStream({ type: 'CloseStream' });
      await Promise.race([this.#serverClose, new Promise((resolve) => setTimeout(resolve, this.timing.closeTimeoutMs).unref())]);
    }
    this.#discard();
  }

  #sendable(): boolean {
    return this.#open && this.socket.readyState === OPEN;
  }

  #sendKeepAlive(): void {
    if (!this.#sendable() || this.#closingByUs) return;
    this.socket.sendKeepAlive({ type: 'KeepAlive' });
    this.#keepAlive.refresh();
  }

  #receive(message: Message): void {
    switch (message.type) {
      case 'Results':
        return this.#results(message as Deepgram.listen.ListenV1Results);
      case 'SpeechStarted':
        return this.speechStarted(Math.round((message as Deepgram.listen.ListenV1SpeechStarted).timestamp * 1000));
      case 'UtteranceEnd':
        return this.completeTurn('utteranceEnd');
      default:
        // Metadata (on CloseStream) and any newer message types carry nothing a turn needs.
        return;
    }
  }

  #results(message: Deepgram.listen.ListenV1Results): void {
    const best = message.channel.alternatives[0];
    const text = best?.transcript ?? '';
    if (!message.is_final) return this.interim(text);
    this.settle(text, best?.confidence);
    if (message.from_finalize) {
      // The answer to endTurn(): the turn is over even if nothing was said in it.
      const reason = this.#finalizing ?? 'pushToTalk';
      this.#finalizing = undefined;
      this.completeTurn(reason, this.takeTurn());
    } else if (message.speech_final) {
      this.completeTurn('endpointing');
    }
  }

  /**
   * The SDK reports a failing socket as a synthetic close followed by the error, in the same tick,
   * so the verdict waits a turn of the event loop to include the error's message.
   */
  #closedByServer(code: number, reason: string): void {
    this.#serverClosed();
    if (!this.#open || this.#closingByUs) return;
    this.#open = false;
    setImmediate(() => this.fail(unexpectedCloseError(code, reason, this.#lastError), true));
  }

  /** Drops the socket without a word to Deepgram: no reconnects, no events. */
  #discard(): void {
    clearTimeout(this.#keepAlive);
    this.#closingByUs = true;
    this.socket.close();
  }
}
