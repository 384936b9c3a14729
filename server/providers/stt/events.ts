/**
 * What every speech-to-text provider reports, in one shape. Times named `…Ms` are durations or
 * stream time in milliseconds; `createdAt` is the wall-clock ms the event was made.
 *
 * Text per event: `interim.text` is the whole turn so far including the part still changing (what
 * a live transcript shows); `final.text` is one newly settled piece; `endOfTurn.text` is the whole
 * settled turn (what goes to the language model). A turn in which nothing was recognised ends
 * without any event: there is nothing to answer.
 */
import type { SttProvider } from '../../../protocol/settings';
import type { ProviderError } from '../errors';

/**
 * Why a turn ended: the provider heard enough silence after speech (`endpointing`, Deepgram
 * speech_final), the provider saw a gap after the last word (`utteranceEnd`), the provider's
 * turn-taking model judged the turn over (`turnDetection`, Flux EndOfTurn) or gave up waiting for
 * more (`timeout`, Flux eot_timeout_ms), Parley's own voice activity detection ended it (`vad`),
 * or the user released push-to-talk (`pushToTalk`).
 */
export type EndOfTurnReason = 'endpointing' | 'utteranceEnd' | 'turnDetection' | 'timeout' | 'vad' | 'pushToTalk';

/** The reasons a caller can give `endTurn()`: the ones Parley decides, not the provider. */
export type LocalEndOfTurnReason = Extract<EndOfTurnReason, 'vad' | 'pushToTalk'>;

export type SttEvent =
  /** The provider heard speech begin (Deepgram vad_events), at `atMs` of stream time when known. */
  | { type: 'speechStarted'; createdAt: number; provider: SttProvider; atMs?: number }
  | { type: 'interim'; createdAt: number; provider: SttProvider; text: string }
  | { type: 'final'; createdAt: number; provider: SttProvider; text: string; confidence?: number }
  /**
   * The provider thinks the turn is probably over (Flux EagerEndOfTurn): `text` is the whole turn
   * so far, enough to start preparing an answer. Either an `endOfTurn` with the same text or a
   * `turnResumed` follows.
   */
  | { type: 'eagerEndOfTurn'; createdAt: number; provider: SttProvider; text: string }
  /** The user went on after an `eagerEndOfTurn`: whatever was started on that text is stale. */
  | { type: 'turnResumed'; createdAt: number; provider: SttProvider; text: string }
  | {
      type: 'endOfTurn';
      createdAt: number;
      provider: SttProvider;
      reason: EndOfTurnReason;
      text: string;
      /** Audio sent during this turn. */
      audioMs: number;
      /** From the `endTurn()` call to this event, when the turn was ended locally: the finalize latency. */
      finalizeMs?: number;
    }
  /** A failure; when `fatal` the stream is closed and will send nothing more. */
  | { type: 'error'; createdAt: number; provider: SttProvider; error: ProviderError; fatal: boolean };

export type SttEventType = SttEvent['type'];
type Payload<T extends SttEventType> = Omit<Extract<SttEvent, { type: T }>, 'type' | 'createdAt' | 'provider'>;

/** Builds an event stamped with its provider and the wall-clock time it was created. */
export function sttEvent<T extends SttEventType>(type: T, provider: SttProvider, payload: Payload<T>): Extract<SttEvent, { type: T }> {
  return { type, createdAt: Date.now(), provider, ...payload } as Extract<SttEvent, { type: T }>;
}
