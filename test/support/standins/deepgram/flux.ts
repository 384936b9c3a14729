import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { HttpError, type RecordedRequest, type SocketExchange, type SocketRoute } from '../exchange';
import { waitUntil } from '../pacing';
import type { Script } from '../script';
import {
  configureFailureMessage,
  configureSuccessMessage,
  connectedMessage,
  fatalErrorMessage,
  turnInfoMessage,
  type FluxEvent,
  type FluxThresholds,
  type FluxTrigger,
} from './flux-messages';
import { rawAudioRate } from './listen';
import { Outbox, SessionSocket, isAbort, type Closed } from './session-socket';

/**
 * What the scripted Flux "hears": each cue fires once the client has sent `atMs` of audio, and a
 * cue's transcript (the whole turn so far) becomes the turn's text. The stand-in keeps Flux's
 * state machine (https://developers.deepgram.com/docs/flux/state) so a script need not spell it
 * out: a turn opens with StartOfTurn before its first cue; an Update comes for every 250 ms of
 * audio in which nothing else was sent; EagerEndOfTurn and TurnResumed are sent only when the
 * connection set `eager_eot_threshold` (otherwise their text changes arrive as Updates); an
 * EndOfTurn whose text differs from the EagerEndOfTurn before it is preceded by TurnResumed.
 * ForceEndTurn, or `eot_timeout_ms` of audio after the turn's last cue, ends the turn at once and
 * drops the rest of its cues (up to its scripted EndOfTurn).
 */
export interface FluxCue {
  atMs: number;
  event: FluxEvent;
  transcript?: string;
}

/** What one Flux session saw and sent; updated while it runs, so tests poll it. */
export interface FluxRecord {
  readonly request: RecordedRequest;
  audioBytes: number;
  audioMs: number;
  /** The `type` of every text message received, in order. */
  controls: string[];
  /** Every JSON message sent, in order. */
  sent: { type: string; event?: string; transcript?: string; trigger?: string }[];
  closed?: Closed;
}

/** Flux sends an Update for about every 0.25 s of audio transcribed. */
export const FLUX_UPDATE_MS = 250;
const DEFAULT_THRESHOLDS: FluxThresholds = { eot_threshold: 0.7, eot_timeout_ms: 5000 };
const FLUX_MODELS = ['flux-general-en', 'flux-general-multi'];

interface FluxConfig {
  bytesPerSecond: number;
  thresholds: FluxThresholds;
}

/** Thresholds with `changes` applied, or why they are out of Flux's documented ranges. */
function withThresholds(current: FluxThresholds, changes: Record<string, unknown>): FluxThresholds | string {
  const next = { ...current };
  const number = (name: keyof FluxThresholds, min: number, max: number): string | undefined => {
    const raw = changes[name];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!(value >= min && value <= max)) return `${name} must be from ${min} to ${max}, not ${String(raw)}.`;
    next[name] = value;
    return undefined;
  };
  const problem = number('eot_threshold', 0.5, 1) ?? number('eager_eot_threshold', 0.3, 0.9) ?? number('eot_timeout_ms', 500, 60_000);
  if (problem) return problem;
  if (next.eager_eot_threshold !== undefined && next.eager_eot_threshold > next.eot_threshold) return 'eager_eot_threshold must not be above eot_threshold.';
  return next;
}

function fluxConfig(query: Record<string, string>): FluxConfig | HttpError {
  if (!FLUX_MODELS.includes(query.model ?? '')) return new HttpError(400, `model must be one of ${FLUX_MODELS.join(', ')}, not '${query.model ?? ''}'.`);
  const bytesPerSecond = rawAudioRate(query);
  if (bytesPerSecond instanceof HttpError) return bytesPerSecond;
  const thresholds = withThresholds(DEFAULT_THRESHOLDS, query);
  return typeof thresholds === 'string' ? new HttpError(400, thresholds) : { bytesPerSecond, thresholds };
}

/** `wss://…/v2/listen`: each session plays the next cue list from the script. */
export function fluxSocket(script: Script<FluxCue[], RecordedRequest>, sessions: FluxRecord[], idleTimeoutMs: number): SocketRoute {
  return {
    path: '/v2/listen',
    validate: (request) => {
      const config = fluxConfig(request.query);
      return config instanceof HttpError ? config : undefined;
    },
    accept(ws, exchange) {
      const record: FluxRecord = { request: exchange.request, audioBytes: 0, audioMs: 0, controls: [], sent: [] };
      sessions.push(record);
      const cues = [...script.next(exchange.request)].sort((a, b) => a.atMs - b.atMs);
      // The session lives on through the socket's listeners until the socket closes.
      new FluxSession(ws, exchange, fluxConfig(exchange.request.query) as FluxConfig, cues, record, idleTimeoutMs);
    },
  };
}

type TurnPhase = 'idle' | 'ongoing' | 'awaitingEnd';

class FluxSession {
  readonly #socket: SessionSocket;
  readonly #outbox = new Outbox((error) => this.#fail(error));
  #thresholds: FluxThresholds;
  #sequence = 0;
  #nextCue = 0;
  #phase: TurnPhase = 'idle';
  #turnIndex = 0;
  #turnStartMs = 0;
  #transcript = '';
  /** The text of the EagerEndOfTurn the turn is waiting on. */
  #eagerText: string | undefined;
  /** Audio time of the turn's last cue: `eot_timeout_ms` counts from there. */
  #lastCueMs = 0;
  #nextUpdateMs = FLUX_UPDATE_MS;
  #sentSinceUpdate = false;

  constructor(
    ws: WebSocket,
    private readonly exchange: SocketExchange,
    private readonly config: FluxConfig,
    private readonly cues: FluxCue[],
    private readonly record: FluxRecord,
    private readonly idleTimeoutMs: number,
  ) {
    this.#thresholds = config.thresholds;
    this.#socket = new SessionSocket(ws, exchange.streamFault);
    ws.on('message', (data: Buffer, isBinary) => this.#receive(data, isBinary));
    ws.on('close', (code, reason) => {
      record.closed = { code, reason: reason.toString() };
    });
    this.#armIdle();
    this.#emit(connectedMessage(exchange.request.id, this.#sequence++));
  }

  get #eager(): boolean {
    return this.#thresholds.eager_eot_threshold !== undefined;
  }

  #armIdle(): void {
    this.#socket.keepAlive(this.idleTimeoutMs);
  }

  #receive(data: Buffer, isBinary: boolean): void {
    this.#armIdle();
    if (isBinary) this.#audio(data);
    else this.#control(data.toString('utf8'));
  }

  #audio(chunk: Buffer): void {
    this.record.audioBytes += chunk.length;
    this.record.audioMs = (this.record.audioBytes / this.config.bytesPerSecond) * 1000;
    while (this.#nextCue < this.cues.length && this.cues[this.#nextCue]!.atMs <= this.record.audioMs) this.#play(this.cues[this.#nextCue++]!);
    if (this.#phase !== 'idle' && this.record.audioMs >= this.#lastCueMs + this.#thresholds.eot_timeout_ms) this.#cutTurn('timeout');
    while (this.record.audioMs >= this.#nextUpdateMs) {
      if (!this.#sentSinceUpdate) this.#turnInfo('Update');
      this.#sentSinceUpdate = false;
      this.#nextUpdateMs += FLUX_UPDATE_MS;
    }
  }

  #play(cue: FluxCue): void {
    this.#lastCueMs = cue.atMs;
    if (cue.event === 'StartOfTurn' && this.#phase !== 'idle') return this.#scriptError(`StartOfTurn at ${cue.atMs} ms while a turn is open`);
    if (this.#phase === 'idle') this.#startTurn(cue);
    if (cue.event === 'StartOfTurn') return;
    const text = cue.transcript ?? this.#transcript;
    switch (cue.event) {
      case 'Update':
        return this.#update(text);
      case 'EagerEndOfTurn':
        return this.#eagerEnd(text, cue.atMs);
      case 'TurnResumed':
        return this.#resume(text, cue.atMs);
      case 'EndOfTurn':
        if (this.#phase === 'awaitingEnd' && text !== this.#eagerText) this.#resume(text, cue.atMs);
        this.#transcript = text;
        return this.#endTurn('model');
    }
  }

  #startTurn(cue: FluxCue): void {
    this.#phase = 'ongoing';
    this.#turnStartMs = cue.atMs;
    this.#transcript = cue.event === 'StartOfTurn' ? (cue.transcript ?? '') : '';
    this.#turnInfo('StartOfTurn');
  }

  /** New text; after an EagerEndOfTurn, changed text means the user went on: TurnResumed first. */
  #update(text: string): void {
    if (text === this.#transcript) return;
    this.#transcript = text;
    if (this.#phase === 'awaitingEnd' && text !== this.#eagerText) return this.#resumed();
    this.#turnInfo('Update');
  }

  #eagerEnd(text: string, atMs: number): void {
    if (!this.#eager) return this.#update(text);
    if (this.#phase !== 'ongoing') return this.#scriptError(`EagerEndOfTurn at ${atMs} ms while already awaiting the end of the turn`);
    if (!text.trim()) return this.#scriptError(`EagerEndOfTurn at ${atMs} ms with no words (Flux always has some)`);
    this.#transcript = text;
    this.#eagerText = text;
    this.#phase = 'awaitingEnd';
    this.#turnInfo('EagerEndOfTurn', this.#thresholds.eager_eot_threshold);
  }

  #resume(text: string, atMs: number): void {
    if (!this.#eager) return this.#update(text);
    if (this.#phase !== 'awaitingEnd') return this.#scriptError(`TurnResumed at ${atMs} ms without an EagerEndOfTurn before it`);
    this.#transcript = text;
    this.#resumed();
  }

  #resumed(): void {
    this.#phase = 'ongoing';
    this.#eagerText = undefined;
    this.#turnInfo('TurnResumed', (this.#thresholds.eager_eot_threshold ?? 0.5) / 2);
  }

  #endTurn(trigger: FluxTrigger): void {
    this.#turnInfo('EndOfTurn', this.#thresholds.eot_threshold, trigger);
    this.#phase = 'idle';
    this.#eagerText = undefined;
    this.#turnIndex++;
    this.#transcript = '';
    this.#turnStartMs = this.record.audioMs;
  }

  /** Ends the turn before its script did (ForceEndTurn, timeout); its remaining cues are dropped. */
  #cutTurn(trigger: FluxTrigger): void {
    this.#endTurn(trigger);
    while (this.#nextCue < this.cues.length) {
      if (this.cues[this.#nextCue++]!.event === 'EndOfTurn') break;
    }
  }

  #control(text: string): void {
    let message: Record<string, unknown> | undefined;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      message = undefined;
    }
    const type = message?.type;
    this.record.controls.push(String(type));
    if (type === 'CloseStream') return this.#closeStream();
    if (type === 'ForceEndTurn') {
      // With no turn in progress Flux ignores it.
      if (this.#phase !== 'idle') this.#cutTurn('manual');
      return;
    }
    if (type === 'Configure') return this.#configure((message?.thresholds ?? {}) as Record<string, unknown>);
    // KeepAlive and Finalize are /v1 messages: Flux refuses them like any message it cannot parse.
    this.#emit(fatalErrorMessage(this.#sequence++, 'UNPARSABLE_CLIENT_MESSAGE', `Unrecognized text message: ${text.slice(0, 60)}`));
    this.#outbox.push(() => this.#socket.close(1008, 'UNPARSABLE_CLIENT_MESSAGE'));
  }

  #configure(changes: Record<string, unknown>): void {
    const next = withThresholds(this.#thresholds, changes);
    if (typeof next === 'string') return this.#emit(configureFailureMessage(this.exchange.request.id, this.#sequence++));
    this.#thresholds = next;
    this.#emit(configureSuccessMessage(this.exchange.request.id, this.#sequence++, next));
  }

  /** Flux transcribes what it has (a last Update), sends no EndOfTurn and closes with no status code. */
  #closeStream(): void {
    this.#turnInfo('Update');
    this.#outbox.push(() => this.#socket.close());
  }

  #turnInfo(event: FluxEvent, confidence = this.#transcript ? 0.2 : 0.01, trigger?: FluxTrigger): void {
    const turn = {
      requestId: this.exchange.request.id,
      turnIndex: this.#turnIndex,
      startMs: this.#turnStartMs,
      endMs: this.record.audioMs,
      transcript: this.#transcript,
      endOfTurnConfidence: confidence,
    };
    this.#sentSinceUpdate = true;
    this.#emit(turnInfoMessage(event, turn, this.#sequence++, trigger));
  }

  /** A cue list that breaks Flux's state machine fails the session loudly instead of teaching the client wrong behaviour. */
  #scriptError(problem: string): void {
    this.#emit(fatalErrorMessage(this.#sequence++, 'STAND_IN_SCRIPT', `The stand-in's cue list is not something Flux would send: ${problem}.`));
    this.#outbox.push(() => this.#socket.close(1011, 'Stand-in script error'));
  }

  /** Sends after ttfbMs from now, in order behind earlier messages. */
  #emit(message: { type: string }): void {
    const due = performance.now() + this.exchange.latency.ttfbMs;
    this.#outbox.push(async () => {
      await waitUntil(due, this.exchange.signal);
      if (!this.#socket.open) return;
      this.#socket.sendJson(message);
      this.record.sent.push(message);
    });
  }

  #fail(error: unknown): void {
    if (!isAbort(error)) this.#socket.close(1011, `Stand-in failure: ${String(error)}`);
  }
}
