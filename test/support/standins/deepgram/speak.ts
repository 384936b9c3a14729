import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { encodeWav } from '../../../../server/audio/wav';
import { chunkPcm, speechFor } from '../audio';
import { HttpError, type HttpRoute, type RecordedRequest, type SocketExchange, type SocketRoute } from '../exchange';
import { Pacer } from '../pacing';
import { sendChunks } from '../respond';
import { Outbox, SessionSocket, isAbort, type Closed } from './session-socket';

/** Audio per binary message on the socket, and per chunk of the REST answer. */
const CHUNK_MS = 50;
const DEFAULT_SAMPLE_RATE = 24_000;

/** What one streaming-TTS session received and sent; updated while it runs, so tests poll it. */
export interface SpeakRecord {
  readonly request: RecordedRequest;
  /** Text of every Speak message, in order. */
  texts: string[];
  /** The `type` of every text message received, in order. */
  controls: string[];
  /** Bytes of audio sent. */
  audioBytes: number;
  closed?: Closed;
}

/** Only linear16 can be synthesized here; anything else is refused rather than mislabelled. */
function speakFormat(query: Record<string, string>): { sampleRate: number } | HttpError {
  const encoding = query.encoding ?? 'linear16';
  if (encoding !== 'linear16') return new HttpError(400, `The stand-in produces only encoding=linear16, not '${encoding}'.`);
  const sampleRate = Number(query.sample_rate ?? DEFAULT_SAMPLE_RATE);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) return new HttpError(400, `Invalid sample_rate '${query.sample_rate}'.`);
  return { sampleRate };
}

/** `wss://…/v1/speak` (Aura streaming TTS). */
export function speakSocket(sessions: SpeakRecord[]): SocketRoute {
  return {
    path: '/v1/speak',
    validate: (request) => {
      const format = speakFormat(request.query);
      return format instanceof HttpError ? format : undefined;
    },
    accept(ws, exchange) {
      const record: SpeakRecord = { request: exchange.request, texts: [], controls: [], audioBytes: 0 };
      sessions.push(record);
      const { sampleRate } = speakFormat(exchange.request.query) as { sampleRate: number };
      // The session lives on through the socket's listeners until the socket closes.
      new SpeakSession(ws, exchange, sampleRate, record);
    },
  };
}

/**
 * Buffers Speak text; Flush synthesizes the buffer (first chunk ttfbMs after the Flush, then one
 * per interTokenMs) and confirms with Flushed; Clear stops all audio at once, drops the buffer and
 * answers Cleared, after which no audio of earlier text is sent.
 */
class SpeakSession {
  readonly #socket: SessionSocket;
  readonly #outbox = new Outbox((error) => this.#fail(error));
  #text = '';
  /** Flushes so far; each Flushed carries its flush's 0-based sequence id. */
  #flushes = 0;
  /** Aborted by Clear and Close: every synthesis started before stops sending. */
  #generation = new AbortController();

  constructor(
    ws: WebSocket,
    private readonly exchange: SocketExchange,
    private readonly sampleRate: number,
    private readonly record: SpeakRecord,
  ) {
    this.#socket = new SessionSocket(ws, exchange.streamFault);
    ws.on('message', (data: Buffer, isBinary) => this.#receive(data, isBinary));
    ws.on('close', (code, reason) => {
      record.closed = { code, reason: reason.toString() };
      this.#generation.abort();
    });
    const model = exchange.request.query.model ?? 'aura-2-thalia-en';
    this.#socket.sendJson({
      type: 'Metadata',
      request_id: exchange.request.id,
      model_name: model,
      model_version: '2025-04-07.0',
      model_uuid: 'ecb76e9d-f2db-4127-8060-79b05590d22f',
    });
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.#socket.close(1003, 'The speak socket takes text messages only.');
    let message: { type?: unknown; text?: unknown } = {};
    try {
      message = JSON.parse(data.toString('utf8')) as typeof message;
    } catch {
      // Falls through to the warning for an unknown type.
    }
    this.record.controls.push(String(message.type));
    switch (message.type) {
      case 'Speak':
        return this.#speak(message.text);
      case 'Flush':
        return this.#flush();
      case 'Clear':
        return this.#clear();
      case 'Close':
        this.#generation.abort();
        return this.#socket.close(1000);
      default:
        this.#socket.sendJson({ type: 'Warning', code: 'UNKNOWN_MESSAGE_TYPE', description: `Unknown message type: ${String(message.type)}` });
    }
  }

  #speak(text: unknown): void {
    if (typeof text !== 'string') {
      this.#socket.sendJson({ type: 'Warning', code: 'INVALID_TEXT', description: 'Speak needs a string text field.' });
      return;
    }
    this.record.texts.push(text);
    this.#text += text;
  }

  #flush(): void {
    const text = this.#text;
    const sequenceId = this.#flushes++;
    const startedAt = performance.now();
    const signal = AbortSignal.any([this.#generation.signal, this.exchange.signal]);
    this.#text = '';
    this.#outbox.push(() => this.#synthesize(text, sequenceId, startedAt, signal));
  }

  async #synthesize(text: string, sequenceId: number, startedAt: number, signal: AbortSignal): Promise<void> {
    const chunks = text.trim() ? chunkPcm(speechFor(text, this.sampleRate), CHUNK_MS, this.sampleRate) : [];
    const pacer = new Pacer(this.exchange.latency, startedAt, signal);
    for (const chunk of chunks) {
      await pacer.tick();
      if (signal.aborted) return;
      this.#socket.sendAudio(chunk);
      this.record.audioBytes += chunk.length;
    }
    if (!signal.aborted) this.#socket.sendJson({ type: 'Flushed', sequence_id: sequenceId });
  }

  /** Aborting first, synchronously, is what guarantees no audio after Cleared. */
  #clear(): void {
    this.#generation.abort();
    this.#generation = new AbortController();
    this.#text = '';
    this.#socket.sendJson({ type: 'Cleared', sequence_id: Math.max(0, this.#flushes - 1) });
  }

  #fail(error: unknown): void {
    if (!isAbort(error)) this.#socket.close(1011, `Stand-in failure: ${String(error)}`);
  }
}

/**
 * REST `POST /v1/speak?model&encoding&sample_rate&container` with `{ text }`: linear16 audio in a
 * WAV (the API's default container for linear16) or raw with `container=none`. The API's own
 * default encoding is mp3, which the stand-in cannot make, so it asks for `encoding=linear16`.
 */
export function speakRestRoute(): HttpRoute {
  return {
    method: 'POST',
    path: '/v1/speak',
    streams: () => true,
    async handle(exchange) {
      const { query, body } = exchange.request;
      if (query.encoding === undefined) throw new HttpError(400, 'The stand-in needs encoding=linear16 (it cannot produce mp3).');
      const format = speakFormat(query);
      if (format instanceof HttpError) throw format;
      const text = (body as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || !text.trim()) throw new HttpError(400, 'Request body must contain a non-empty text field.');
      const pcm = speechFor(text, format.sampleRate);
      const wav = (query.container ?? 'wav') === 'wav';
      const bytes = wav ? encodeWav(pcm, format.sampleRate) : pcm;
      const type = wav ? 'audio/wav' : 'application/octet-stream';
      return sendChunks(exchange, chunkPcm(bytes, CHUNK_MS, format.sampleRate), { 'content-type': type });
    },
  };
}
