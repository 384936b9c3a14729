/**
 * One Deepgram Flux session (`/v2/listen`) as an SttStream. Flux reports the state of the turn
 * rather than pieces of text: every TurnInfo message carries the whole turn so far, and its event
 * says where the turn stands (https://developers.deepgram.com/docs/flux/state):
 *
 *   StartOfTurn → speechStarted        Update → interim (when the text changed)
 *   EagerEndOfTurn → eagerEndOfTurn    TurnResumed → turnResumed
 *   EndOfTurn → final + endOfTurn (Flux's model, its eot_timeout_ms, or our ForceEndTurn)
 */
import type { Deepgram, DeepgramClient } from '@deepgram/sdk';
import type { Logger } from '../../../log';
import { pcmBytesFor } from '../../../audio/pcm';
import type { EndOfTurnReason, LocalEndOfTurnReason } from '../events';
import { fluxError } from './errors';
import { DeepgramSocketStream, type DeepgramStreamTiming } from './socket';

export type FluxSocket = Awaited<ReturnType<DeepgramClient['listen']['v2']['connect']>>;
type TurnInfo = Deepgram.listen.ListenV2TurnInfo;
type Message = Deepgram.listen.ListenV2TurnInfo | Deepgram.listen.ListenV2FatalError | { type: string };

/**
 * Flux has no KeepAlive message (it is a /v1 message; the Python SDK dropped it from its v2
 * types), so an idle socket is kept open the way Flux expects to be fed: with audio, here a
 * tenth of a second of silence.
 */
const KEEP_ALIVE_SILENCE = Buffer.alloc(pcmBytesFor(100));

export class DeepgramFluxStream extends DeepgramSocketStream<FluxSocket> {
  #inTurn = false;
  /** Why the turn was forced to end, between ForceEndTurn and Flux's `manual` EndOfTurn. */
  #forcing: LocalEndOfTurnReason | undefined;
  /** The text of the last interim event, so that Flux's regular Updates repeat nothing. */
  #shown = '';

  constructor(socket: FluxSocket, log: Logger, timing: DeepgramStreamTiming) {
    super(socket, log, timing);
    socket.on('message', (message) => this.#receive(message as Message));
    socket.on('error', (error) => this.socketError(error));
    socket.on('close', (event) => this.socketClosed(event.code, event.reason ?? ''));
  }

  /**
   * Push-to-talk release ends the turn now (ForceEndTurn). The end of speech Parley's VAD heard
   * does not: Flux hears the silence after the speech as well and decides itself, which is the
   * point of its turn model — it waits through a pause that sounds mid-sentence.
   */
  protected override finishTurn(reason: LocalEndOfTurnReason): void {
    if (reason === 'vad') {
      // Nothing is open, so the audio since the last turn was silence: start the count afresh.
      if (!this.#inTurn) this.takeTurn();
      return;
    }
    if (!this.sendable()) return;
    this.#forcing = reason;
    this.socket.sendForceEndTurn({ type: 'ForceEndTurn' });
  }

  protected override sendKeepAlive(): void {
    this.socket.sendMedia(KEEP_ALIVE_SILENCE);
  }

  /** Flux transcribes what it has and closes; it sends no EndOfTurn for a turn still open. */
  protected override sendCloseStream(): void {
    this.socket.sendCloseStream({ type: 'CloseStream' });
  }

  #receive(message: Message): void {
    if (message.type === 'TurnInfo') return this.#turnInfo(message as TurnInfo);
    if (message.type === 'Error') {
      const { code, description } = message as Deepgram.listen.ListenV2FatalError;
      return this.failFatally(fluxError(code, description));
    }
    // Connected and the answers to Configure carry nothing a turn needs.
  }

  #turnInfo(info: TurnInfo): void {
    const text = info.transcript ?? '';
    switch (info.event) {
      case 'StartOfTurn':
        this.#inTurn = true;
        this.speechStarted(Math.round((info.words[0]?.start ?? info.audio_window_start) * 1000));
        return this.#show(text);
      case 'EagerEndOfTurn':
        this.#show(text);
        return this.eagerEndOfTurn(text);
      case 'TurnResumed':
        this.turnResumed(text);
        return this.#show(text);
      case 'EndOfTurn':
        return this.#endOfTurn(info);
      default:
        // Update, and any event a newer Flux adds: the text so far.
        return this.#show(text);
    }
  }

  #show(text: string): void {
    if (text === this.#shown) return;
    this.#shown = text;
    this.interim(text);
  }

  #endOfTurn(info: TurnInfo): void {
    const reason: EndOfTurnReason = info.trigger === 'manual' ? (this.#forcing ?? 'pushToTalk') : info.trigger === 'timeout' ? 'timeout' : 'turnDetection';
    this.#inTurn = false;
    this.#forcing = undefined;
    this.#shown = '';
    this.settle(info.transcript, meanConfidence(info.words));
    this.completeTurn(reason, this.takeTurn());
  }
}

function meanConfidence(words: TurnInfo['words']): number | undefined {
  if (words.length === 0) return undefined;
  return words.reduce((sum, word) => sum + word.confidence, 0) / words.length;
}
