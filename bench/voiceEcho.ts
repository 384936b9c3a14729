/**
 * No self-interruption: the answer, spoken by the system voice (espeak-ng), is mixed back into the
 * microphone later and quieter, as a laptop's speakers would (test/support/voice-loop.ts), at
 * several delays and levels. Counted: pauses of the answer with nobody talking (false barge-ins)
 * per minute of echoed playback, with the echo check and without it in the same run; and, with a
 * user talking over the echo, the time from the start of their voice to playback paused, against
 * the same with no echo at all.
 */
import { DEFAULT_SETTINGS, type ParleySettings } from '../protocol/settings';
import { pcmDurationMs } from '../server/audio/pcm';
import type { Logger } from '../server/log';
import type { Keys } from '../server/providers/keys';
import { startOpenAIStandIn } from '../test/support/standins';
import { silence, spoken } from '../test/support/spoken';
import { runVoiceLoop, type EchoPath } from '../test/support/voice-loop';
import { median, type Row } from './stats';

const QUESTION = 'why is this test failing';
const ANSWER = 'The test builds a list of three items and removes one of them by mistake, so the length it checks is two and not three.';
const ECHOES: EchoPath[] = [
  { delayMs: 50, gain: 0.5 },
  { delayMs: 150, gain: 0.5 },
  { delayMs: 300, gain: 0.5 },
  { delayMs: 50, gain: 0.2 },
  { delayMs: 150, gain: 0.2 },
  { delayMs: 300, gain: 0.2 },
];
/** When the user starts talking over the answer, after the question ends. */
const USER_AFTER_S = [3.5, 4.5, 5.5];

/** Where a clip's voice begins: its first sample louder than a whisper. */
function onsetMs(pcm: Buffer): number {
  for (let i = 0; i + 1 < pcm.length; i += 2) if (Math.abs(pcm.readInt16LE(i)) > 1_000) return pcmDurationMs(i);
  return 0;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? NaN;
}

export async function echoRows(keys: Keys, log: Logger): Promise<{ rows: Row[]; notes: string[] }> {
  const openai = await startOpenAIStandIn({ latency: { ttfbMs: 50, interTokenMs: 2 } });
  const notes: string[] = [];
  try {
    const settings: ParleySettings = {
      ...structuredClone(DEFAULT_SETTINGS),
      llm: { provider: 'openai-compatible', model: 'bench', baseUrl: openai.baseURL },
      stt: { provider: 'openai-compatible', model: 'whisper-1', baseUrl: openai.baseURL },
      tts: { provider: 'system', model: '', baseUrl: '' },
    };
    const question = spoken(QUESTION);
    const questionEndMs = 500 + pcmDurationMs(question.length);
    const converse = (microphone: Buffer, echo: EchoPath, echoCheck: boolean, transcripts: string[], answers: string[]) => {
      openai.transcripts.push(...transcripts);
      for (const text of answers) openai.chat.push({ text });
      return runVoiceLoop({ settings, keys, microphone, echo, log, session: { echoCheck } });
    };

    const falseBargeIns: Record<string, { pauses: number; minutes: number }> = { on: { pauses: 0, minutes: 0 }, off: { pauses: 0, minutes: 0 } };
    for (const echo of ECHOES) {
      for (const check of ['on', 'off'] as const) {
        // Transcripts of whatever the recognizer is sent besides the question are empty: a false alarm.
        const run = await converse(Buffer.concat([silence(0.5), question, silence(11)]), echo, check === 'on', [QUESTION], [ANSWER]);
        const answer = run.turns.find((turn) => turn.role === 'assistant');
        falseBargeIns[check]!.pauses += run.pausedAtMs.length;
        falseBargeIns[check]!.minutes += (answer?.tts?.audioSeconds ?? 0) / 60;
        notes.push(
          `echo ${echo.delayMs} ms at ${echo.gain}, check ${check}: ${run.pausedAtMs.length} pauses, answer ${answer?.interrupted ? 'interrupted' : 'played out'}`,
        );
      }
    }

    const user = spoken('which line is it');
    const userOnsetMs = onsetMs(user);
    const stops: Record<'echo' | 'none', number[]> = { echo: [], none: [] };
    let missed = 0;
    for (const afterS of USER_AFTER_S) {
      for (const [kind, echo] of [
        ['echo', { delayMs: 150, gain: 0.5 }],
        ['echo', { delayMs: 50, gain: 0.2 }],
        ['none', { delayMs: 0, gain: 0 }],
      ] as const) {
        const microphone = Buffer.concat([silence(0.5), question, silence(afterS), user, silence(4)]);
        const onset = questionEndMs + afterS * 1000 + userOnsetMs;
        const run = await converse(microphone, echo, true, [QUESTION, 'which line is it'], [ANSWER, 'The third one.']);
        const pause = run.pausedAtMs.find((atMs) => atMs >= onset - 100);
        const interrupted = run.turns.find((turn) => turn.role === 'assistant')?.interrupted === true;
        if (pause === undefined || !interrupted) missed++;
        else stops[kind].push(pause - onset);
        notes.push(
          `user ${afterS} s in, echo ${echo.delayMs} ms at ${echo.gain}: ${pause === undefined ? 'not paused' : `paused ${Math.round(pause - onset)} ms after their voice began`}, ${interrupted ? 'stopped' : 'not stopped'}`,
        );
      }
    }
    const perMinute = (check: 'on' | 'off') => Math.round((100 * falseBargeIns[check]!.pauses) / Math.max(falseBargeIns[check]!.minutes, 1e-9)) / 100;
    const rows: Row[] = [
      {
        metric: `false barge-ins per minute of echoed playback (${ECHOES.length} echoes: 50–300 ms, 0.2–0.5 of the level)`,
        median: perMinute('on'),
        unit: '/min',
        baseline: { name: 'without the echo check', median: perMinute('off') },
      },
      {
        metric: `barge-in over the echo: the user's voice → playback paused, p95 (${stops.echo.length} of ${USER_AFTER_S.length * 2})`,
        median: Math.round(p95(stops.echo)),
        unit: 'ms',
        baseline: { name: 'no echo, p95', median: Math.round(p95(stops.none)) },
        budget: 150,
      },
      {
        metric: 'barge-in over the echo: median',
        median: Math.round(median(stops.echo)),
        unit: 'ms',
        baseline: { name: 'no echo', median: Math.round(median(stops.none)) },
      },
      { metric: 'barge-ins missed (not paused, or the answer not stopped)', median: missed, unit: 'runs' },
    ];
    return { rows, notes };
  } finally {
    await openai.close();
  }
}
