import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { HttpError, type RecordedRequest, type SocketExchange, type SocketRoute } from '../exchange';
import { waitUntil } from '../pacing';
import type { Script } from '../script';
import { metadataMessage, resultsMessage, speechStartedMessage, utteranceEndMessage, type ResultFlags } from './listen-messages';
import { Outbox, SessionSocket, isAbort, type Closed } from './session-socket';

/**
 * What the scripted recognizer "hears": each cue fires once the client has sent `atMs` of audio.
 * Cues the connection did not ask for are skipped as Deepgram would: interim results need
 * `interim_results=true`, SpeechStarted `vad_events=true`, UtteranceEnd `utterance_end_ms`, and
 * `endpointing=false` turns every speech_final off.
 */
export type ListenCue =
  | { atMs: number; type: 'SpeechStarted' }
  | { atMs: number; type: 'interim'; transcript: string }
  /** `speechFinal` defaults to true (an endpoint detected after this final). */
  | { atMs: number; type: 'final'; transcript: string; speechFinal?: boolean }
  | { atMs: number; type: 'UtteranceEnd' };

/** What one live-transcription session saw and sent; updated while it runs, so tests poll it. */
export interface ListenRecord {
  readonly request: RecordedRequest;
  audioBytes: number;
  audioMs: number;
  keepAlives: number;
  /** The `type` of every text message received, in order. */
  controls: string[];
  /** Every JSON message sent, in order. */
  sent: { type: string }[];
  closed?: Closed;
}

/** Deepgram closes a socket that received neither audio nor a message for this long (NET-0001). */
export const DEEPGRAM_IDLE_TIMEOUT_MS = 10_000;

const BYTES_PER_SAMPLE: Record<string, number> = { linear16: 2, mulaw: 1, alaw: 1 };

interface ListenConfig {
  bytesPerSecond: number;
  channels: number;
  interim: boolean;
  vadEvents: boolean;
  endpointing: boolean;
  utteranceEnd: boolean;
}

/** Bytes per second of the raw audio a live socket's query describes (both /v1 and /v2 listen). */
export function rawAudioRate(query: Record<string, string>, channels = 1): number | HttpError {
  const bytesPerSample = BYTES_PER_SAMPLE[query.encoding ?? ''];
  const sampleRate = Number(query.sample_rate);
  // Containerized audio (no `encoding`) would need sniffing; the stand-in asks for raw audio instead.
  if (!bytesPerSample) return new HttpError(400, `The stand-in needs encoding=linear16|mulaw|alaw, not '${query.encoding ?? ''}'.`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) return new HttpError(400, 'sample_rate is required when encoding is given.');
  return sampleRate * channels * bytesPerSample;
}

function listenConfig(query: Record<string, string>): ListenConfig | HttpError {
  const channels = Number(query.channels ?? 1);
  const bytesPerSecond = rawAudioRate(query, channels);
  if (bytesPerSecond instanceof HttpError) return bytesPerSecond;
  return {
    bytesPerSecond,
    channels,
    interim: query.interim_results === 'true',
    vadEvents: query.vad_events === 'true',
    endpointing: query.endpointing !== 'false',
    utteranceEnd: query.utterance_end_ms !== undefined,
  };
}

/** `wss://…/v1/listen`: each session plays the next cue list from the script. */
export function listenSocket(script: Script<ListenCue[], RecordedRequest>, sessions: ListenRecord[], idleTimeoutMs: number): SocketRoute {
  return {
    path: '/v1/listen',
    validate: (request) => {
      const config = listenConfig(request.query);
      return config instanceof HttpError ? config : undefined;
    },
    accept(ws, exchange) {
      const record: ListenRecord = { request: exchange.request, audioBytes: 0, audioMs: 0, keepAlives: 0, controls: [], sent: [] };
      sessions.push(record);
      const cues = [...script.next(exchange.request)].sort((a, b) => a.atMs - b.atMs);
      // The session lives on through the socket's listeners until the socket closes.
      new ListenSession(ws, exchange, listenConfig(exchange.request.query) as ListenConfig, cues, record, idleTimeoutMs);
    },
  };
}

class ListenSession {
  readonly #socket: SessionSocket;
  readonly #outbox = new Outbox((error) => this.#fail(error));
  readonly #hash = createHash('sha256');
  #nextCue = 0;
  /** Where the audio not yet covered by a final result starts. */
  #segmentStartMs = 0;
  /** The latest interim transcript since the last final: what Finalize or CloseStream finalizes. */
  #pending: string | undefined;
  #lastWordEndMs = 0;

  constructor(
    ws: WebSocket,
    private readonly exchange: SocketExchange,
    private readonly config: ListenConfig,
    private readonly cues: ListenCue[],
    private readonly record: ListenRecord,
    private readonly idleTimeoutMs: number,
  ) {
    this.#socket = new SessionSocket(ws, exchange.streamFault);
    ws.on('message', (data: Buffer, isBinary) => this.#receive(data, isBinary));
    ws.on('close', (code, reason) => {
      record.closed = { code, reason: reason.toString() };
    });
    this.#armIdle();
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
    this.#hash.update(chunk);
    while (this.#nextCue < this.cues.length && this.cues[this.#nextCue]!.atMs <= this.record.audioMs) {
      this.#play(this.cues[this.#nextCue++]!);
    }
  }

  #play(cue: ListenCue): void {
    switch (cue.type) {
      case 'SpeechStarted':
        if (this.config.vadEvents) this.#emit(speechStartedMessage(cue.atMs));
        return;
      case 'interim':
        if (!this.config.interim) return;
        this.#pending = cue.transcript;
        return this.#emitResult(cue.transcript, cue.atMs, { isFinal: false, speechFinal: false, fromFinalize: false });
      case 'final': {
        const speechFinal = this.config.endpointing && (cue.speechFinal ?? true);
        return this.#emitResult(cue.transcript, cue.atMs, { isFinal: true, speechFinal, fromFinalize: false });
      }
      case 'UtteranceEnd':
        if (this.config.utteranceEnd) this.#emit(utteranceEndMessage(this.#lastWordEndMs));
        return;
    }
  }

  #control(text: string): void {
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      type = undefined;
    }
    this.record.controls.push(String(type));
    if (type === 'KeepAlive') this.record.keepAlives++;
    else if (type === 'Finalize') this.#finalizePending(true);
    else if (type === 'CloseStream') this.#closeStream();
    // Silently ignoring an unknown message would hide a client bug; policy-violation close makes it visible.
    else this.#outbox.push(() => this.#socket.close(1008, `Unrecognized text message: ${text.slice(0, 60)}`));
  }

  /** A final result for the audio heard since the last final; `from_finalize` when the client sent Finalize. */
  #finalizePending(fromFinalize: boolean): void {
    this.#emitResult(this.#pending ?? '', this.record.audioMs, { isFinal: true, speechFinal: false, fromFinalize });
  }

  #closeStream(): void {
    if (this.#pending !== undefined) this.#finalizePending(false);
    const { request } = this.exchange;
    this.#emit(metadataMessage(request.id, this.record.audioMs, this.#hash.copy().digest('hex'), this.config.channels));
    this.#outbox.push(() => this.#socket.close(1000));
  }

  #emitResult(transcript: string, endMs: number, flags: ResultFlags): void {
    this.#emit(resultsMessage(transcript, this.#segmentStartMs, endMs, flags, this.exchange.request.id));
    if (!flags.isFinal) return;
    if (transcript.trim()) this.#lastWordEndMs = endMs;
    this.#segmentStartMs = endMs;
    this.#pending = undefined;
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
