import type { RecordedRequest } from '../exchange';
import { startStandIn, type StandIn, type StandInOptions } from '../http-standin';
import { Script, type ScriptEntry } from '../script';
import { fluxSocket, type FluxCue, type FluxRecord } from './flux';
import { DEEPGRAM_IDLE_TIMEOUT_MS, listenSocket, type ListenCue, type ListenRecord } from './listen';
import { deepgramShape } from './shape';
import { speakRestRoute, speakSocket, type SpeakRecord } from './speak';

export interface DeepgramStandInOptions extends StandInOptions {
  /** The only key accepted as `Authorization: Token <key>`; default: any non-empty key or Bearer token. */
  apiKey?: string;
  /** Cue lists for live transcription, one per connection; afterwards `defaultCues`. */
  listen?: ScriptEntry<ListenCue[], RecordedRequest>[];
  /** Default: no cues (the session still answers Finalize and CloseStream). */
  defaultCues?: ListenCue[];
  /** Cue lists for Flux (`/v2/listen`), one per connection; afterwards `defaultFluxCues`. */
  flux?: ScriptEntry<FluxCue[], RecordedRequest>[];
  /** Default: no cues (Flux still sends its Updates and answers CloseStream). */
  defaultFluxCues?: FluxCue[];
  /** Idle time after which a listen socket is closed with 1011 / NET-0001 (default 10 s, as Deepgram). */
  idleTimeoutMs?: number;
}

export interface DeepgramStandIn extends StandIn {
  /** The same as `url`: `new DeepgramClient({ baseUrl })` uses it for REST and, as ws://, for sockets. */
  readonly baseUrl: string;
  /** Push cue lists for later connections. */
  readonly listen: Script<ListenCue[], RecordedRequest>;
  /** One record per accepted `/v1/listen` socket, live. */
  readonly listenSessions: ListenRecord[];
  /** Push Flux cue lists for later connections. */
  readonly flux: Script<FluxCue[], RecordedRequest>;
  /** One record per accepted `/v2/listen` (Flux) socket, live. */
  readonly fluxSessions: FluxRecord[];
  /** One record per accepted `/v1/speak` socket, live. */
  readonly speakSessions: SpeakRecord[];
}

/** A loopback Deepgram: live transcription (/v1 and Flux /v2) and Aura streaming TTS sockets, and REST speak. */
export async function startDeepgramStandIn(options: DeepgramStandInOptions = {}): Promise<DeepgramStandIn> {
  const listen = new Script<ListenCue[], RecordedRequest>(() => options.defaultCues ?? []).push(...(options.listen ?? []));
  const flux = new Script<FluxCue[], RecordedRequest>(() => options.defaultFluxCues ?? []).push(...(options.flux ?? []));
  const listenSessions: ListenRecord[] = [];
  const fluxSessions: FluxRecord[] = [];
  const speakSessions: SpeakRecord[] = [];
  const idleTimeoutMs = options.idleTimeoutMs ?? DEEPGRAM_IDLE_TIMEOUT_MS;
  const sockets = [listenSocket(listen, listenSessions, idleTimeoutMs), fluxSocket(flux, fluxSessions, idleTimeoutMs), speakSocket(speakSessions)];
  const standIn = await startStandIn({ vendor: deepgramShape(options.apiKey), http: [speakRestRoute()], sockets }, options);
  return Object.assign(standIn, { baseUrl: standIn.url, listen, listenSessions, flux, fluxSessions, speakSessions });
}
