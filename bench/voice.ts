/**
 * Voice figures: the whole loop in-process (Silero VAD → STT → LLM → TTS → a clock-driven sink)
 * with the provider stand-ins set to typical vendor latencies — final transcript 300 ms after the
 * turn ends, LLM first token 450 ms, TTS first byte 150 ms — and a real recording as the
 * microphone at real-time pace. The baseline is the sum of the configured provider latencies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, type ParleySettings } from '../protocol/settings';
import type { StoredTurn } from '../protocol/session';
import { Conversation } from '../server/conversation/conversation';
import { stderrLogger } from '../server/log';
import { Keys } from '../server/providers/keys';
import { createLlmStage } from '../server/providers/llm';
import { createSttStage } from '../server/providers/stt';
import { createTtsStage } from '../server/providers/tts/factory';
import { SessionStore } from '../server/sessions/store';
import { openDatabase } from '../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../server/storage/migrations';
import { WorkspaceFolders } from '../server/tools/confine';
import { decodeWav } from '../server/voice/audio/wav';
import { feedRealTime } from '../server/voice/cli';
import { ClockSink } from '../server/voice/playback/clockSink';
import { DEFAULT_VOICE_OPTIONS, VoiceSession } from '../server/voice/session';
import { DEFAULT_VAD_OPTIONS, SileroVad } from '../server/voice/vad';
import { REPO, tempDir } from '../test/support/paths';
import { startOpenAIStandIn } from '../test/support/standins';
import { median, printTable } from './stats';

const STT_MS = 300;
const LLM_MS = 450;
const TTS_MS = 150;
const RUNS = Number(process.env.BENCH_VOICE_RUNS ?? 7);
const AUDIO = join(REPO, '..', 'shared', 'audio');
const log = stderrLogger('error');

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

/** One conversation over `microphone`; returns its committed turns. */
async function converse(microphone: Buffer, transcripts: string[], answers: string[]): Promise<StoredTurn[]> {
  const [stt, llm, tts] = await Promise.all([STT_MS, LLM_MS, TTS_MS].map((ttfbMs) => startOpenAIStandIn({ latency: { ttfbMs, interTokenMs: 5 } })));
  const dir = tempDir('bench-voice');
  try {
    stt!.transcripts.push(...transcripts);
    for (const text of answers) llm!.chat.push({ text });
    const settings: ParleySettings = {
      ...structuredClone(DEFAULT_SETTINGS),
      llm: { provider: 'openai-compatible', model: 'bench', baseUrl: llm!.baseURL },
      stt: { provider: 'openai-compatible', model: 'whisper-1', baseUrl: stt!.baseURL },
      tts: { provider: 'openai', model: 'tts-1', baseUrl: tts!.baseURL },
    };
    const keys = new Keys({ OPENAI_API_KEY: 'sk-bench-0123456789abcdefghij' });
    const db = openDatabase({ file: join(dir.path, 'sessions.db'), migrations: SESSIONS_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'bench' }).db;
    const store = new SessionStore(db);
    const sessionId = store.start();
    const folders = new WorkspaceFolders([dir.path]);
    const model = createLlmStage(settings, keys, log);
    const conversation = new Conversation({
      store,
      sessionId,
      tools: [],
      emit: () => undefined,
      log,
      prepare: async () => ({ model, context: '', toolContext: { folders, editorState: async () => ({ workspaceFolders: [], openFiles: [], diagnostics: [] }), showDocument: async () => false, applyEdit: async () => false } }),
    });
    const sink = new ClockSink();
    const session = new VoiceSession({ conversation, stt: createSttStage(settings, keys, log), tts: createTtsStage(settings, keys, log), vad: await SileroVad.load(), sink, emit: () => undefined, onActivity: () => undefined, log }, DEFAULT_VOICE_OPTIONS);
    await session.start();
    await feedRealTime(session, microphone);
    await session.finish();
    while (sink.playing) await new Promise((resolve) => setTimeout(resolve, 20));
    await session.close();
    const turns = store.turns(sessionId);
    db.close();
    return turns;
  } finally {
    await Promise.all([stt, llm, tts].map((standIn) => standIn!.close()));
    dir.cleanup();
  }
}

const clip = (name: string) => decodeWav(readFileSync(join(AUDIO, name))).pcm;
const silence = (seconds: number) => Buffer.alloc(Math.round(seconds * 16_000) * 2);

async function main(): Promise<void> {
  const v2v: number[] = [];
  const bargeIn: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const turns = await converse(Buffer.concat([silence(0.5), clip('why_failing.wav'), silence(3)]), ['why is this test failing'], ['The assertion expects three.']);
    const metrics = turns.find((turn) => turn.role === 'assistant')?.metrics;
    if (metrics?.voiceToVoiceMs !== undefined) v2v.push(metrics.voiceToVoiceMs);
    const long = 'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three.';
    const barged = await converse(clip('dialogue.wav'), ['why is this test failing', 'stop'], [long, 'Okay.']);
    const stop = barged.find((turn) => turn.role === 'assistant' && turn.interrupted)?.metrics?.bargeInStopMs;
    if (stop !== undefined) bargeIn.push(stop);
  }
  const providers = STT_MS + LLM_MS + TTS_MS;
  const hangover = DEFAULT_VAD_OPTIONS.redemptionMs;
  const overhead = v2v.map((ms) => ms - providers);
  console.log(`\n${v2v.length}/${RUNS} turns measured, ${bargeIn.length}/${RUNS} barge-ins.`);
  printTable(`Voice (${RUNS} runs; stand-ins: final ${STT_MS} ms, first token ${LLM_MS} ms, first audio ${TTS_MS} ms; VAD hangover ${hangover} ms)`, [
    { metric: 'voice-to-voice p50', median: median(v2v), unit: 'ms', baseline: { name: 'sum of provider latencies', median: providers } },
    { metric: 'voice-to-voice p95', median: p95(v2v), unit: 'ms', baseline: { name: 'sum of provider latencies', median: providers } },
    { metric: 'pipeline overhead p95 (incl. VAD hangover)', median: p95(overhead), unit: 'ms', budget: 30 },
    { metric: 'pipeline overhead p95 (excl. VAD hangover)', median: p95(overhead) - hangover, unit: 'ms', budget: 30 },
    { metric: 'barge-in stop p95 (onset → playback paused)', median: p95(bargeIn), unit: 'ms', budget: 150 },
  ]);
}

void main();
