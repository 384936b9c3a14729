/**
 * Voice figures: the whole loop in-process (Silero VAD → STT → LLM → TTS → a clock-driven sink)
 * with the provider stand-ins set to typical vendor latencies — final transcript 300 ms after the
 * end of speech, LLM first token 450 ms, TTS first byte 150 ms — and a real recording as the
 * microphone at real-time pace. The baseline is the sum of the configured provider latencies.
 *
 * Three recognizers, each with eager end of turn off and on:
 *   per utterance  OpenAI-compatible transcription of the VAD's utterance (the turn ends at the VAD's hangover)
 *   Deepgram v1    live nova-3; its endpointing (speech_final) ends the turn
 *   Deepgram Flux  live flux-general-en; EndOfTurn ends the turn, EagerEndOfTurn 200 ms before it
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../protocol/settings';
import type { StoredTurn } from '../protocol/session';
import { stderrLogger } from '../server/log';
import { Keys } from '../server/providers/keys';
import { decodeWav } from '../server/audio/wav';
import { ClauseSplitter } from '../server/voice/speech';
import { DEFAULT_VAD_OPTIONS, SileroVad, type VadEvent } from '../server/voice/vad';
import { REPO } from '../test/support/paths';
import { startDeepgramStandIn, startOpenAIStandIn, type FluxCue, type ListenCue } from '../test/support/standins';
import { textTokens } from '../test/support/standins/chat-reply';
import { runVoiceLoop, standInSettings } from '../test/support/voice-loop';
import { median, printTable, type Row } from './stats';
import { echoRows } from './voiceEcho';
import { identifierRows } from './voiceNames';
import { midThoughtRows, PAUSES_MS } from './voiceThought';

const STT_MS = 300;
const LLM_MS = 450;
const TTS_MS = 150;
/** Flux's EagerEndOfTurn comes this much before its EndOfTurn (Deepgram's partners quote 150–250 ms saved). */
const EAGER_LEAD_MS = 200;
/** Flux's network and processing time: every message arrives this long after the audio it is about. */
const FLUX_LATENCY_MS = STT_MS - EAGER_LEAD_MS;
const PROVIDERS_MS = STT_MS + LLM_MS + TTS_MS;
/** The stand-in model's pace after its first token. */
const INTER_TOKEN_MS = 5;
/** What ends an OpenAI-compatible stream after the last token: the finish chunk and [DONE]. */
const STREAM_END_EVENTS = 2;
const RUNS = Number(process.env.BENCH_VOICE_RUNS ?? 7);
/** `thought` measures only the end-of-thought figures. */
const PART = process.env.BENCH_VOICE_PART;
const AUDIO = join(REPO, '..', 'shared', 'audio');
const log = stderrLogger('error');
const keys = new Keys({ OPENAI_API_KEY: 'sk-bench-0123456789abcdefghij', DEEPGRAM_API_KEY: 'dg-bench' });

const TRANSCRIPT = 'why is this test failing';
const ANSWER = 'The assertion expects three.';
const clip = (name: string) => decodeWav(readFileSync(join(AUDIO, name))).pcm;
const silence = (seconds: number) => Buffer.alloc(Math.round(seconds * 16_000) * 2);
const MICROPHONE = Buffer.concat([silence(0.5), clip('why_failing.wav'), silence(3)]);

type Recognizer = 'perUtterance' | 'deepgram' | 'flux';

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

/** Where the VAD puts the speech in the microphone recording: the padded start sent to a gated recognizer, and the end. */
async function speechBounds(microphone: Buffer): Promise<{ paddedStartMs: number; endMs: number }> {
  const vad = await SileroVad.load();
  const events = [];
  for (let offset = 0; offset < microphone.length; offset += 640) events.push(...(await vad.push(microphone.subarray(offset, offset + 640))));
  events.push(...(await vad.flush()));
  await vad.close();
  const start = events.find((event): event is Extract<VadEvent, { type: 'speechStart' }> => event.type === 'speechStart');
  const voiced = events.filter((event): event is Extract<VadEvent, { type: 'frame' }> => event.type === 'frame' && event.speaking && event.probability >= 0.5);
  if (!start || voiced.length === 0) throw new Error('the VAD found no speech in the benchmark recording');
  return { paddedStartMs: start.paddedStartMs, endMs: voiced.at(-1)!.endMs };
}

/** One conversation over `microphone` with the given recognizer; returns its committed turns. */
async function converse(
  recognizer: Recognizer,
  eager: boolean,
  microphone: Buffer,
  transcripts: string[],
  answers: string[],
  endOfThoughtMs = DEFAULT_SETTINGS.voice.endOfThoughtMs,
): Promise<StoredTurn[]> {
  const bounds = recognizer === 'perUtterance' ? undefined : await speechBounds(microphone);
  // The chat stand-in streams as the API does: a role chunk first, the first token one interval
  // later. Its first byte is therefore set one interval early, so that the first token comes LLM_MS
  // after the request, as the path below counts it.
  const llm = await startOpenAIStandIn({ latency: { ttfbMs: LLM_MS - INTER_TOKEN_MS, interTokenMs: INTER_TOKEN_MS } });
  const tts = await startOpenAIStandIn({ latency: { ttfbMs: TTS_MS, interTokenMs: 5 } });
  const transcription = await startOpenAIStandIn({ latency: { ttfbMs: STT_MS, interTokenMs: 5 } });
  const deepgram = await startDeepgramStandIn({ latency: { ttfbMs: recognizer === 'flux' ? FLUX_LATENCY_MS : STT_MS, interTokenMs: 0 } });
  try {
    transcription.transcripts.push(...transcripts);
    for (const text of answers) llm.chat.push({ text });
    // A gated recognizer hears the speech from its padded start; Flux hears the whole recording.
    if (bounds && recognizer === 'deepgram') deepgram.listen.push(listenCues(bounds.endMs - bounds.paddedStartMs));
    if (bounds && recognizer === 'flux') deepgram.flux.push(fluxCues(bounds.endMs));
    const sttUrl = recognizer === 'perUtterance' ? transcription.baseURL : deepgram.baseUrl;
    const voice = { eagerEndOfTurn: eager, endOfThoughtMs };
    const settings = standInSettings({ llmUrl: llm.baseURL, ttsUrl: tts.baseURL, recognizer, sttUrl, voice });
    return (await runVoiceLoop({ settings, keys, microphone, log })).turns;
  } finally {
    await Promise.all([llm, tts, transcription, deepgram].map((standIn) => standIn.close()));
  }
}

/** Deepgram v1: an interim halfway, then the final with speech_final at the end of speech (it arrives STT_MS later). */
function listenCues(speechEndMs: number): ListenCue[] {
  return [
    { atMs: speechEndMs / 2, type: 'interim', transcript: 'why is this' },
    { atMs: speechEndMs, type: 'final', transcript: TRANSCRIPT, speechFinal: true },
  ];
}

/** Flux: EagerEndOfTurn at the end of speech, EndOfTurn EAGER_LEAD_MS later; each arrives FLUX_LATENCY_MS after its audio. */
function fluxCues(speechEndMs: number): FluxCue[] {
  return [
    { atMs: speechEndMs / 2, event: 'Update', transcript: 'why is this' },
    { atMs: speechEndMs, event: 'EagerEndOfTurn', transcript: TRANSCRIPT },
    { atMs: speechEndMs + EAGER_LEAD_MS, event: 'EndOfTurn', transcript: TRANSCRIPT },
  ];
}

async function voiceToVoice(recognizer: Recognizer, eager: boolean, endOfThoughtMs?: number): Promise<number[]> {
  const measured: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const turns = await converse(recognizer, eager, MICROPHONE, [TRANSCRIPT], [ANSWER], endOfThoughtMs);
    const metrics = turns.find((turn) => turn.role === 'assistant')?.metrics;
    if (metrics?.voiceToVoiceMs !== undefined) measured.push(metrics.voiceToVoiceMs);
  }
  return measured;
}

async function bargeIns(): Promise<number[]> {
  const stops: number[] = [];
  const long =
    'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three.';
  for (let run = 0; run < RUNS; run++) {
    const barged = await converse('perUtterance', false, clip('dialogue.wav'), [TRANSCRIPT, 'stop'], [long, 'Okay.']);
    const stop = barged.find((turn) => turn.role === 'assistant' && turn.interrupted)?.metrics?.bargeInStopMs;
    if (stop !== undefined) stops.push(stop);
  }
  return stops;
}

/**
 * The model's writing time for the first clause, at the stand-in's pace: nothing can be spoken
 * before the clause is certain, which is at the token after its end, or at the end of the stream
 * when the clause is the whole reply (as ANSWER is).
 */
function firstClauseMs(answer: string): number {
  const splitter = new ClauseSplitter();
  const tokens = textTokens(answer);
  const certainAt = tokens.findIndex((token) => splitter.push(token).length > 0);
  return (certainAt >= 0 ? certainAt : tokens.length - 1 + STREAM_END_EVENTS) * INTER_TOKEN_MS;
}

/**
 * The provider latency on the path to the first audio: the final transcript, the model's first
 * token and its writing of the first clause, the first audio. With Flux's eager end of turn the
 * model starts FLUX_LATENCY_MS after the end of speech and its text is released at the EndOfTurn
 * at the earliest, so the path is the later of the two, then TTS.
 */
function providerPathMs(recognizer: Recognizer, eager: boolean): number {
  const model = LLM_MS + firstClauseMs(ANSWER);
  return (eager && recognizer === 'flux' ? Math.max(STT_MS, FLUX_LATENCY_MS + model) : STT_MS + model) + TTS_MS;
}

function rows(label: string, v2v: number[], pathMs: number, hangoverMs: number): Row[] {
  const baseline = { name: 'sum of provider latencies', median: PROVIDERS_MS };
  const overhead = v2v.map((ms) => ms - pathMs - hangoverMs);
  const excluded = [`vs the ${pathMs} ms provider path`, ...(hangoverMs ? [`excl. the VAD's ${hangoverMs} ms hangover`] : [])];
  return [
    { metric: `${label}: voice-to-voice p50`, median: median(v2v), unit: 'ms', baseline },
    { metric: `${label}: voice-to-voice p95`, median: p95(v2v), unit: 'ms', baseline },
    { metric: `${label}: pipeline overhead p95${excluded.length ? ` (${excluded.join('; ')})` : ''}`, median: p95(overhead), unit: 'ms', budget: 30 },
  ];
}

async function main(): Promise<void> {
  // The VAD counts silence in whole frames: the hangover ends at the first frame boundary past redemptionMs.
  const vad = await SileroVad.load();
  const hangover = Math.ceil(DEFAULT_VAD_OPTIONS.redemptionMs / vad.frameMs) * vad.frameMs;
  await vad.close();
  const table: Row[] = [];
  const counts: string[] = [];
  if (PART === 'names') return names(table);
  if (PART === 'echo') return echo(table);
  // The first conversation in a process pays for loading and connecting; it is not measured.
  await converse('perUtterance', false, MICROPHONE, [TRANSCRIPT], [ANSWER]);
  if (PART === 'thought') return thought(table);
  for (const [recognizer, label, hangoverMs] of [
    ['perUtterance', 'per utterance', hangover],
    ['deepgram', 'Deepgram v1', 0],
    ['flux', 'Deepgram Flux', 0],
  ] as const) {
    for (const eager of [false, true]) {
      const v2v = await voiceToVoice(recognizer, eager);
      const name = `${label}, eager ${eager ? 'on' : 'off'}`;
      counts.push(`${name}: ${v2v.length}/${RUNS}`);
      table.push(...rows(name, v2v, providerPathMs(recognizer, eager), hangoverMs));
    }
  }
  const stops = await bargeIns();
  table.push({ metric: 'barge-in stop p95 (onset → playback paused)', median: p95(stops), unit: 'ms', budget: 150 });
  console.log(`\nTurns measured — ${counts.join('; ')}; barge-ins ${stops.length}/${RUNS}.`);
  await thought(table);
  await names(table);
  await echo(table);
  printTable(
    `Voice (${RUNS} runs; stand-ins: final ${STT_MS} ms after the end of speech, first token ${LLM_MS} ms then one every ${INTER_TOKEN_MS} ms (the first clause is written ${firstClauseMs(ANSWER)} ms after the first token), first audio ${TTS_MS} ms; Flux eager ${EAGER_LEAD_MS} ms before its end of turn; VAD hangover ${hangover} ms)`,
    table,
  );
}

/**
 * Turns that wait for the end of a thought: the cut-off rate on pauses mid-thought (voiceThought.ts)
 * and, on the complete question, voice-to-voice with the wait at its default against it off.
 */
async function thought(table: Row[]): Promise<void> {
  for (const [recognizer, label] of [
    ['perUtterance', 'per utterance'],
    ['deepgram', 'Deepgram v1'],
  ] as const) {
    const off = await voiceToVoice(recognizer, false, 0);
    const on = await voiceToVoice(recognizer, false);
    table.push({
      metric: `${label}: voice-to-voice p50 on the complete question, endOfThoughtMs ${DEFAULT_SETTINGS.voice.endOfThoughtMs}`,
      median: median(on),
      unit: 'ms',
      baseline: { name: 'endOfThoughtMs 0', median: median(off) },
      budget: Math.round(median(off) * 1.05),
    });
  }
  const { rows, notes } = await midThoughtRows(keys, log);
  table.push(...rows);
  console.log(`\nPauses mid-thought (${PAUSES_MS.join(', ')} ms):\n${notes.map((note) => `- ${note}`).join('\n')}`);
  if (PART === 'thought') printTable(`Voice: turns that wait for the end of a thought (${RUNS} runs of the complete question)`, table);
}

/** No self-interruption: false barge-ins on the answer's echo, and real ones over it (voiceEcho.ts). */
async function echo(table: Row[]): Promise<void> {
  const { rows, notes } = await echoRows(keys, log);
  table.push(...rows);
  console.log(`\nEcho:\n${notes.map((note) => `- ${note}`).join('\n')}`);
  if (PART === 'echo') printTable('Voice: the answer through the speakers into the microphone (system voice, espeak-ng)', table);
}

/** Identifiers heard right, with and without the mapping (voiceNames.ts). */
async function names(table: Row[]): Promise<void> {
  const { rows, notes } = await identifierRows(log);
  table.push(...rows);
  console.log(`\nIdentifiers:\n${notes.map((note) => `- ${note}`).join('\n')}`);
  if (PART === 'names') printTable('Voice: identifiers heard right (offline recognizer, espeak-ng clips)', table);
}

void main();
