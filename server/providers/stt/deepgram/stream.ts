/**
 * One Deepgram live-transcription session (`/v1/listen`) as an SttStream: audio goes out as it
 * comes, results come back as interim / final text, and Deepgram's own end-of-speech signals
 * (speech_final after `endpointing` ms of silence, UtteranceEnd after a word gap) end turns.
 */
import type { Deepgram, DeepgramClient } from '@deepgram/sdk';
import type { Logger } from '../../../log';
import type { LocalEndOfTurnReason } from '../events';
import { DeepgramSocketStream, type DeepgramStreamTiming } from './socket';

export type { DeepgramStreamTiming } from './socket';
export type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;
type Message = Deepgram.listen.ListenV1Results | Deepgram.listen.ListenV1UtteranceEnd | Deepgram.listen.ListenV1SpeechStarted | { type: string };

export class DeepgramStream extends DeepgramSocketStream<ListenSocket> {
  /** Why the turn is being finalized, between endTurn() and Deepgram's from_finalize answer. */
  #finalizing: LocalEndOfTurnReason | undefined;

  constructor(socket: ListenSocket, log: Logger, timing: DeepgramStreamTiming) {
    super(socket, log, timing);
    socket.on('message', (message) => this.#receive(message as Message));
    socket.on('error', (error) => this.socketError(error));
    socket.on('close', (event) => this.socketClosed(event.code, event.reason ?? ''));
  }

  protected override finishTurn(reason: LocalEndOfTurnReason): void {
    if (!this.sendable()) return;
    this.#finalizing = reason;
    this.socket.sendFinalize({ type: 'Finalize' });
  }

  protected override sendKeepAlive(): void {
    this.socket.sendKeepAlive({ type: 'KeepAlive' });
  }

  protected override sendCloseStream(): void {
    this.socket.sendCloseStream({ type: 'CloseStream' });
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
}
