/**
 * The whole voice loop in-process, for tests and the voice benchmark: a recording played in as
 * the microphone at real-time pace → Silero VAD → the configured STT → the conversation and its
 * model → TTS → a clock-driven sink, with the turns stored in a throwaway SQLite database. The
 * pipeline is the one the editor and `parley voice` build (server/voice/pipeline.ts).
 */
import { join } from 'node:path';
import type { ServerFrame } from '../../protocol/live';
import type { StoredTurn } from '../../protocol/session';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { Conversation } from '../../server/conversation/conversation';
import { createLogger, type Logger } from '../../server/log';
import type { Keys } from '../../server/providers/keys';
import { ProviderRegistry } from '../../server/providers/registry';
import type { SttStageOptions } from '../../server/providers/stt';
import { SessionStore } from '../../server/sessions/store';
import { openDatabase } from '../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../server/storage/migrations';
import { WorkspaceFolders } from '../../server/tools/confine';
import { feedRealTime } from '../../server/voice/cli';
import { ClockSink } from '../../server/voice/playback/clockSink';
import { createVoicePipeline } from '../../server/voice/pipeline';
import type { VoiceSessionOptions } from '../../server/voice/session';
import { tempDir } from './paths';
import { waitFor } from './poll';

export interface VoiceLoopOptions {
  settings: ParleySettings;
  keys: Keys;
  /** 16 kHz mono s16le, played in at real-time pace. */
  microphone: Buffer;
  stt?: Omit<SttStageOptions, 'env' | 'guards'>;
  log?: Logger;
  /** The workspace's names, as the editor's session reads them (voice/vocabulary.ts). */
  vocabulary?: readonly string[];
  /** Speakers, no headset: what plays comes back into the microphone this late and at this gain. */
  echo?: EchoPath;
  /** Session options the settings do not cover. */
  session?: Partial<VoiceSessionOptions>;
}

export interface EchoPath {
  delayMs: number;
  /** The echo's amplitude against the voice's (0.3 is about -10 dB). */
  gain: number;
}

export interface VoiceLoopRun {
  /** What the session committed, in order. */
  turns: StoredTurn[];
  /** Every frame the session and conversation sent towards the panel. */
  frames: ServerFrame[];
  /** When each frame was sent, in ms of the microphone recording (from when it began to play in). */
  frameAtMs: number[];
  /** What the sink played. */
  sink: ClockSink;
  /** When playback was paused (a barge-in, or what was taken for one), in ms of the recording. */
  pausedAtMs: number[];
}

/** A clock sink that notes when it is paused. */
class WatchedSink extends ClockSink {
  readonly pausedAt: number[] = [];

  constructor(private readonly recordingMs: () => number) {
    super(true);
  }

  override pause(): void {
    this.pausedAt.push(this.recordingMs());
    super.pause();
  }
}

const quiet = createLogger(() => undefined);

/** Runs one conversation over the microphone recording and returns once the last answer has played. */
export async function runVoiceLoop({
  settings,
  keys,
  microphone,
  stt,
  log = quiet,
  vocabulary,
  echo,
  session: sessionOptions,
}: VoiceLoopOptions): Promise<VoiceLoopRun> {
  const dir = tempDir('voice-loop');
  const { db } = openDatabase({ file: join(dir.path, 'sessions.db'), migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'voice loop' });
  try {
    const store = new SessionStore(db);
    const sessionId = store.start();
    const frames: ServerFrame[] = [];
    const frameAtMs: number[] = [];
    let startedAt = performance.now();
    const emit = (frame: ServerFrame) => {
      frames.push(frame);
      frameAtMs.push(performance.now() - startedAt);
    };
    const folders = new WorkspaceFolders([dir.path]);
    const providers = new ProviderRegistry(keys, log, { stt });
    const model = providers.llm(settings);
    const conversation = new Conversation({
      store,
      sessionId,
      tools: [],
      emit,
      log,
      prepare: async () => ({
        model,
        context: '',
        toolContext: {
          folders,
          editorState: async () => ({ workspaceFolders: [], openFiles: [], diagnostics: [] }),
          showDocument: async () => false,
          applyEdit: async () => false,
        },
      }),
    });
    const sink = new WatchedSink(() => performance.now() - startedAt);
    const session = await createVoicePipeline({
      settings,
      providers,
      conversation,
      sink,
      emit,
      log,
      ...(vocabulary ? { vocabulary: async () => vocabulary } : {}),
      ...(sessionOptions ? { session: sessionOptions } : {}),
    });
    try {
      await session.start();
      startedAt = performance.now();
      if (echo) await feedWithEcho(session, microphone, sink, echo);
      else await feedRealTime(session, microphone);
      await session.finish();
      await waitFor(() => !sink.playing, { what: 'the last answer to play out', timeoutMs: 30_000 });
    } finally {
      await session.close();
    }
    return { turns: store.turns(sessionId), frames, frameAtMs, sink, pausedAtMs: sink.pausedAt };
  } finally {
    db.close();
    dir.cleanup();
  }
}

/** The recognizers a loop over stand-ins can use: OpenAI-compatible per utterance, Deepgram nova-3 (gated by the VAD) or Flux. */
export type StandInRecognizer = 'perUtterance' | 'deepgram' | 'flux';

/** Settings for a loop over stand-ins: the model and the voice at their URLs, the recognizer, and voice options over the defaults. */
export function standInSettings(options: {
  llmUrl: string;
  ttsUrl: string;
  recognizer: StandInRecognizer;
  /** The OpenAI-compatible stand-in a per-utterance recognizer uses, or Deepgram's. */
  sttUrl: string;
  voice?: Partial<ParleySettings['voice']>;
}): ParleySettings {
  const { llmUrl, ttsUrl, recognizer, sttUrl, voice = {} } = options;
  const stt: ParleySettings['stt'] =
    recognizer === 'perUtterance'
      ? { provider: 'openai-compatible', model: 'whisper-1', baseUrl: sttUrl }
      : { provider: 'deepgram', model: recognizer === 'flux' ? 'flux-general-en' : 'nova-3', baseUrl: sttUrl };
  return {
    ...structuredClone(DEFAULT_SETTINGS),
    llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: llmUrl },
    stt,
    tts: { provider: 'openai', model: 'tts-1', baseUrl: ttsUrl },
    voice: { ...DEFAULT_SETTINGS.voice, ...voice },
  };
}

const CHUNK_SAMPLES = 320;

/**
 * Plays `microphone` in at real-time pace, 20 ms at a time, with what the sink has played mixed
 * in `echo.delayMs` later at `echo.gain`: the speaker's output on the wall clock (silence while
 * nothing plays), resampled to the microphone's 16 kHz, each chunk heard when it is pushed.
 */
async function feedWithEcho(session: { push(pcm: Buffer): Promise<void> }, microphone: Buffer, sink: ClockSink, echo: EchoPath): Promise<void> {
  const speaker: number[] = [];
  const delay = Math.round((echo.delayMs * 16_000) / 1000);
  let heard = 0;
  const started = performance.now();
  const chunks = Math.ceil(microphone.length / (CHUNK_SAMPLES * 2));
  for (let k = 0; k < chunks; k++) {
    const wait = started + k * 20 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sink.playedMs();
    // What played since the last chunk ended now, on the wall clock; before it, silence.
    const fresh: number[] = [];
    for (const { pcm, sampleRate } of sink.played.slice(heard)) {
      const length = Math.floor((pcm.length * 16_000) / sampleRate);
      for (let i = 0; i < length; i++) fresh.push(pcm[Math.min(pcm.length - 1, Math.floor((i * sampleRate) / 16_000))]!);
    }
    heard = sink.played.length;
    const now = Math.round((performance.now() - started) * 16);
    while (speaker.length < now - fresh.length) speaker.push(0);
    speaker.push(...fresh);
    const chunk = Buffer.alloc(CHUNK_SAMPLES * 2);
    microphone.copy(chunk, 0, k * CHUNK_SAMPLES * 2, (k + 1) * CHUNK_SAMPLES * 2);
    for (let i = 0; i < CHUNK_SAMPLES; i++) {
      const at = k * CHUNK_SAMPLES + i - delay;
      const mixed = chunk.readInt16LE(i * 2) + (at >= 0 && at < speaker.length ? echo.gain * speaker[at]! : 0);
      chunk.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(mixed))), i * 2);
    }
    await session.push(chunk);
  }
}
