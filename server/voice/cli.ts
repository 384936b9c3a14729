/**
 * `parley voice --input <file.wav>`: the whole voice loop headless. The WAV is played in as the
 * microphone at real-time pace, the answers are spoken into a clock-driven sink (so barge-in and
 * latencies behave as they would live) and, with `--output`, written to a WAV file; the turns and
 * their metrics are printed (with `--json`, one object per line for each thing the user said).
 * The workspace (the current directory, or `--workspace`) is the context: the model gets its
 * repository map and its tools read and search there. Providers come from PARLEY_* variables like
 * every subcommand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServerFrame } from '../../protocol/live';
import type { StoredTurn } from '../../protocol/session';
import { REPO_MAP_WAIT_MS } from '../conversation/context';
import { Conversation } from '../conversation/conversation';
import { errorMessage, type Logger } from '../log';
import { Keys } from '../providers/keys';
import { ProviderRegistry } from '../providers/registry';
import { defaultCacheFile } from '../repo/cli';
import { RepoIndex } from '../repo/index';
import { SessionStore } from '../sessions/store';
import { settlesWithin } from '../settles';
import { settingsFromEnv } from '../settings';
import type { Storage } from '../storage/storage';
import { warmUpSecretScan } from '../secrets/redact';
import { WorkspaceFolders } from '../tools/confine';
import { BUILTIN_TOOLS } from '../tools/registry';
import { pcmBytesFor, pcmDurationMs, peakDbfs, SAMPLE_RATE } from '../audio/pcm';
import { decodeWav, encodeWav } from '../audio/wav';
import { ClockSink } from './playback/clockSink';
import { createVoicePipeline } from './pipeline';
import type { VoiceSession } from './session';

/** Microphone chunks of 20 ms, as a capture device would deliver them. */
const CHUNK_MS = 20;
/** The repository map's budget in the command line's context. */
const MAP_TOKENS = 1024;

export interface VoiceRun {
  turns: StoredTurn[];
  notices: string[];
  reply?: string;
}

function readMicrophoneWav(path: string): Buffer {
  const wav = decodeWav(readFileSync(path));
  if (wav.sampleRate !== SAMPLE_RATE || wav.channels !== 1) {
    throw new Error(`${path} is ${wav.sampleRate} Hz with ${wav.channels} channel(s); Parley listens to 16 kHz mono (sox in.wav -r 16000 -c 1 out.wav)`);
  }
  return wav.pcm;
}

/**
 * Why a run ended without a single turn, said so that the user knows what to fix: no speech at
 * all (a muted microphone, a wrong file), or speech the recognizer made no words of.
 */
function nothingHeard(path: string, pcm: Buffer, heardSpeech: boolean, notices: readonly string[]): string {
  const peak = peakDbfs(pcm);
  const level = `${(pcmDurationMs(pcm.length) / 1000).toFixed(1)} s, peak ${Number.isFinite(peak) ? `${peak < 0 ? '−' : ''}${Math.abs(Math.round(peak))}` : '−∞'} dBFS`;
  if (!heardSpeech) return `no speech found in ${path} (${level}); check that the recording has someone talking in it, or lower parley.voice.vadThreshold`;
  const why = notices[0] ? `: ${notices[0]}` : '';
  return `speech was heard in ${path} (${level}) but the recognizer returned no words${why}`;
}

/** Writes what was played as one WAV (a provider speaks at one rate, so every chunk shares it). */
function writeReply(path: string, sink: ClockSink): void {
  const rate = sink.played[0]?.sampleRate ?? 24_000;
  const samples = sink.played.flatMap((chunk) => (chunk.sampleRate === rate ? [chunk.pcm] : []));
  const pcm = Buffer.concat(samples.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  writeFileSync(path, encodeWav(pcm, rate));
}

/** Plays `pcm` into the session as a microphone would: 20 ms chunks at real-time pace. */
export async function feedRealTime(session: VoiceSession, pcm: Buffer): Promise<void> {
  const step = pcmBytesFor(CHUNK_MS);
  const started = performance.now();
  for (let offset = 0; offset < pcm.length; offset += step) {
    const due = started + (offset / step) * CHUNK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await session.push(pcm.subarray(offset, offset + step));
  }
}

/** What the model knows of the workspace without an editor: where it is, and its repository map when ready. */
function workspaceContext(folder: string, index: RepoIndex, built: Promise<unknown>): () => Promise<string> {
  const intro = `The developer is using Parley from the command line: there is no editor. Workspace folder: ${folder}.`;
  return async () => {
    if (!(await settlesWithin(built, REPO_MAP_WAIT_MS))) return intro;
    const map = index.map({ tokens: MAP_TOKENS }).text;
    return map ? `${intro}\n\n## Repository map (files and symbols ranked by how central they are)\n${map}` : intro;
  };
}

export async function runVoice(args: string[], env: NodeJS.ProcessEnv, storage: Storage, nativeDir: string, log: Logger): Promise<VoiceRun> {
  const { values } = parseArgs({
    args,
    options: { input: { type: 'string' }, output: { type: 'string' }, workspace: { type: 'string' }, json: { type: 'boolean' }, storage: { type: 'string' } },
    strict: true,
  });
  if (!values.input) throw new Error('voice needs --input <file.wav>: a 16 kHz mono WAV played in as the microphone');
  const microphone = readMicrophoneWav(values.input);
  const warming = warmUpSecretScan();
  const settings = settingsFromEnv(env, log);
  const providers = new ProviderRegistry(new Keys(env), log, { env });
  const llm = providers.llm(settings);
  const folder = resolve(values.workspace ?? process.cwd());
  const folders = new WorkspaceFolders([folder]);
  // The repository is indexed while the recording plays; a turn that comes first goes without the map.
  const index = new RepoIndex(folder, { cacheFile: defaultCacheFile(folder, env), nativeDir, log });
  const indexing = new AbortController();
  const built = index
    .refresh(undefined, indexing.signal)
    .catch((error: unknown) => log.warn('The repository map is not available', { folder, error: errorMessage(error) }));
  const context = workspaceContext(folder, index, built);
  const stopIndexing = async () => {
    indexing.abort();
    await built;
    await index.dispose();
  };
  const store = new SessionStore(storage.sessions);
  const sessionId = store.start();
  const notices: string[] = [];
  const emit = (frame: ServerFrame) => {
    if (frame.type === 'notice') notices.push(frame.message);
  };
  const conversation = new Conversation({
    store,
    sessionId,
    tools: BUILTIN_TOOLS,
    emit,
    log,
    prepare: async () => ({
      model: llm,
      context: await context(),
      toolContext: {
        folders,
        editorState: async () => ({ workspaceFolders: [...folders.folders], openFiles: [], diagnostics: [] }),
        showDocument: async () => false,
        applyEdit: async () => false,
      },
    }),
  });
  const sink = new ClockSink(true);
  // A recording has no talk button to hold: the detector ends its turns.
  const session = await createVoicePipeline({ settings, providers, conversation, sink, emit, log, nativeDir, session: { mode: 'handsFree' } }).catch(
    async (error: unknown) => {
      await stopIndexing();
      throw error;
    },
  );
  try {
    await warming;
    await session.start();
    await feedRealTime(session, microphone);
    await session.finish();
    // Let the last answer play out, as the user would hear it.
    while (sink.playing) await new Promise((resolve) => setTimeout(resolve, 50));
  } catch (error) {
    throw new Error(`the voice loop failed: ${errorMessage(error)}`, { cause: error });
  } finally {
    await session.close();
    await stopIndexing();
  }
  const turns = store.turns(sessionId);
  if (!turns.some((turn) => turn.role === 'user')) throw new Error(nothingHeard(values.input, microphone, session.heardSpeech, notices));
  if (values.output && sink.played.length > 0) writeReply(values.output, sink);
  return { turns, notices, ...(values.output && sink.played.length > 0 ? { reply: values.output } : {}) };
}

/** One line of `parley voice --json`: something the user said, the answer and its latencies. */
export interface VoiceTurnJson {
  transcript: string;
  /** What was actually spoken of the answer ('' when there was none). */
  reply: string;
  interrupted: boolean;
  metrics: { sttFinalMs?: number; llmFirstTokenMs?: number; ttsFirstByteMs?: number; voiceToVoiceMs?: number; bargeInStopMs?: number };
}

function rounded(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms);
}

/** The run as one object per user turn, each with the answer that followed it. */
export function voiceTurnsJson(run: VoiceRun): VoiceTurnJson[] {
  const turns: VoiceTurnJson[] = [];
  for (const [at, turn] of run.turns.entries()) {
    if (turn.role !== 'user') continue;
    const next = run.turns[at + 1];
    const answer = next?.role === 'assistant' ? next : undefined;
    const metrics = answer?.metrics ?? {};
    turns.push({
      transcript: turn.text,
      reply: answer?.text ?? '',
      interrupted: answer?.interrupted ?? false,
      metrics: {
        sttFinalMs: rounded(metrics.endOfSpeechToFinalMs),
        llmFirstTokenMs: rounded(metrics.llmTtftMs),
        ttsFirstByteMs: rounded(metrics.ttsTtfbMs),
        voiceToVoiceMs: rounded(metrics.voiceToVoiceMs),
        bargeInStopMs: rounded(metrics.bargeInStopMs),
      },
    });
  }
  return turns;
}

export function formatVoiceRun(run: VoiceRun): string {
  const lines = run.turns.map((turn) => {
    const metrics = turn.metrics
      ? ` (${Object.entries(turn.metrics)
          .map(([name, ms]) => `${name} ${Math.round(ms as number)} ms`)
          .join(', ')})`
      : '';
    return `${turn.role === 'user' ? 'You' : 'Parley'}${turn.interrupted ? ' [interrupted]' : ''}: ${turn.text}${metrics}`;
  });
  return [...lines, ...run.notices.map((notice) => `! ${notice}`), ...(run.reply ? [`Reply audio: ${run.reply}`] : [])].join('\n');
}
