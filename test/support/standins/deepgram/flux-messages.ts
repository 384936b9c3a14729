/**
 * The JSON messages of Deepgram Flux's socket (`/v2/listen`), as the API shapes them: every
 * server message carries a `sequence_id` counting from 0 across all types.
 */

/** Milliseconds to the seconds Flux reports, rounded to the millisecond. */
const seconds = (ms: number) => Math.round(ms) / 1000;
const CONFIDENCE = 0.97;

export type FluxEvent = 'Update' | 'StartOfTurn' | 'EagerEndOfTurn' | 'TurnResumed' | 'EndOfTurn';
/** Why Flux ended a turn: its model, `ForceEndTurn`, or `eot_timeout_ms`. */
export type FluxTrigger = 'model' | 'manual' | 'timeout';

export interface TurnState {
  requestId: string;
  turnIndex: number;
  /** Audio time where the turn (or the silence before it) started, and up to where it was heard. */
  startMs: number;
  endMs: number;
  transcript: string;
  endOfTurnConfidence: number;
}

/** Words spread evenly over the span, punctuated and cased as said (Flux's `word`). */
function words(transcript: string, startMs: number, endMs: number) {
  const tokens = transcript.split(/\s+/).filter(Boolean);
  const each = tokens.length ? (endMs - startMs) / tokens.length : 0;
  return tokens.map((word, i) => ({ word, confidence: CONFIDENCE, start: seconds(startMs + i * each), end: seconds(startMs + (i + 1) * each) }));
}

export function connectedMessage(requestId: string, sequenceId: number) {
  return { type: 'Connected', request_id: requestId, sequence_id: sequenceId };
}

export function turnInfoMessage(event: FluxEvent, turn: TurnState, sequenceId: number, trigger?: FluxTrigger) {
  return {
    type: 'TurnInfo',
    request_id: turn.requestId,
    sequence_id: sequenceId,
    event,
    turn_index: turn.turnIndex,
    audio_window_start: seconds(turn.startMs),
    audio_window_end: seconds(turn.endMs),
    transcript: turn.transcript,
    words: words(turn.transcript, turn.startMs, turn.endMs),
    end_of_turn_confidence: turn.endOfTurnConfidence,
    ...(event === 'EndOfTurn' ? { trigger } : {}),
  };
}

export interface FluxThresholds {
  eot_threshold: number;
  eager_eot_threshold?: number;
  eot_timeout_ms: number;
}

export function configureSuccessMessage(requestId: string, sequenceId: number, thresholds: FluxThresholds) {
  return { type: 'ConfigureSuccess', request_id: requestId, thresholds, keyterms: [], sequence_id: sequenceId };
}

export function configureFailureMessage(requestId: string, sequenceId: number) {
  return { type: 'ConfigureFailure', request_id: requestId, sequence_id: sequenceId };
}

/** Flux's fatal error; the server closes the socket after it. */
export function fatalErrorMessage(sequenceId: number, code: string, description: string) {
  return { type: 'Error', sequence_id: sequenceId, code, description };
}
