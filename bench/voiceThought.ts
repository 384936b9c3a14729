/**
 * Pauses mid-thought: questions spoken in two pieces by espeak-ng ("so the test fails when the" …
 * "parser reads an empty file") with 600–900 ms of silence between them, played in as the
 * microphone, through the whole voice loop with `parley.voice.endOfThoughtMs` at its default and
 * at 0. A question is cut off when the model is asked its first piece alone.
 *
 * Recognizers (stand-ins, as in voice.ts): per utterance, which ends each piece at the VAD's
 * silence; Deepgram v1, whose endpointing (speech_final after 300 ms) ends the first piece; Deepgram
 * Flux, scripted to end its turn in the pause as a turn model may. Every transcript is exact: what
 * is measured is how turns are cut, not how words are heard.
 */
import { DEFAULT_SETTINGS } from '../protocol/settings';
import { pcmDurationMs } from '../server/audio/pcm';
import type { Logger } from '../server/log';
import type { Keys } from '../server/providers/keys';
import { SileroVad, type VadEvent } from '../server/voice/vad';
import { startDeepgramStandIn, startOpenAIStandIn, type FluxCue, type ListenCue } from '../test/support/standins';
import { silence, spoken, trimmed } from '../test/support/spoken';
import { runVoiceLoop, standInSettings, type StandInRecognizer } from '../test/support/voice-loop';
import type { Row } from './stats';

/** Each question's two pieces; the first ends where a sentence cannot. */
const QUESTIONS: [string, string][] = [
  ['so the test fails when the', 'parser reads an empty file'],
  ['can you rename this function to', 'parse config'],
  ['open the settings file and', 'go to the next error'],
  ['I think the problem is in the', 'session store'],
  ['why does it crash after', 'the second request'],
];
export const PAUSES_MS = [600, 700, 800, 900];
const STT_MS = 300;
const ENDPOINTING_MS = 300;

export type ThoughtRecognizer = StandInRecognizer;

interface Clip {
  microphone: Buffer;
  pieces: [string, string];
  /** Stream ms where each piece's speech ends (the VAD's last voiced frame). */
  ends: [number, number];
  /** The VAD's speech segments: what a gated recognizer is sent, from the padded start to the end's confirmation. */
  segments: { fromMs: number; toMs: number }[];
  pauseMs: number;
  /** The silence the VAD hears between the pieces: the pause plus the voice's own silence around its clips. */
  gapMs: number;
}

async function clip(pieces: [string, string], pauseMs: number): Promise<Clip> {
  // The voice's own silence around each piece is cut, so the pause laid between them is what is heard.
  const [first, rest] = pieces.map((text) => trimmed(spoken(text)));
  const microphone = Buffer.concat([silence(0.5), first!, silence(pauseMs / 1000), rest!, silence(2.5)]);
  const vad = await SileroVad.load();
  const events: VadEvent[] = [];
  for (let offset = 0; offset < microphone.length; offset += 640) events.push(...(await vad.push(microphone.subarray(offset, offset + 640))));
  events.push(...(await vad.flush()));
  await vad.close();
  const segments: Clip['segments'] = [];
  const ends: number[] = [];
  let from: number | undefined;
  let lastVoiced = 0;
  for (const event of events) {
    if (event.type === 'speechStart') from = event.paddedStartMs;
    if (event.type === 'frame' && event.speaking && event.probability >= 0.5) lastVoiced = event.endMs;
    if (event.type === 'speechEnd' && from !== undefined) {
      segments.push({ fromMs: from, toMs: event.atMs });
      ends.push(lastVoiced);
      from = undefined;
    }
  }
  // The VAD may hear the pause or not; the pieces end where the recordings say.
  const firstEnd = 500 + pcmDurationMs(first!.length);
  const voicedEnds = [ends.filter((ms) => ms <= firstEnd + pauseMs / 2).at(-1) ?? firstEnd, ends.at(-1) ?? firstEnd + pauseMs + pcmDurationMs(rest!.length)];
  const restStart = events.find((event) => event.type === 'frame' && event.probability >= 0.5 && event.startMs > voicedEnds[0]!);
  const gapMs = restStart?.type === 'frame' ? restStart.startMs - voicedEnds[0]! : pauseMs;
  return { microphone, pieces, ends: voicedEnds as [number, number], segments, pauseMs, gapMs };
}

/** Stream ms `atMs` in the audio a gated recognizer was sent: only the VAD's segments are sent. */
function gatedMs(segments: Clip['segments'], atMs: number): number {
  return segments.reduce((sent, { fromMs, toMs }) => sent + Math.max(0, Math.min(atMs, toMs) - fromMs), 0);
}

/** The questions the model was asked, with the given recognizer and wait. */
async function asked(
  recognizer: ThoughtRecognizer,
  endOfThoughtMs: number,
  { microphone, pieces, ends, segments }: Clip,
  keys: Keys,
  log: Logger,
): Promise<string[]> {
  const openai = await startOpenAIStandIn({ latency: { ttfbMs: STT_MS, interTokenMs: 5 } });
  const deepgram = await startDeepgramStandIn({ latency: { ttfbMs: recognizer === 'flux' ? 100 : STT_MS, interTokenMs: 0 } });
  try {
    openai.chat.push({ text: 'It reads past the end.' }, { text: 'It reads past the end.' }, { text: 'It reads past the end.' });
    // Each utterance the VAD heard is one request: a pause it did not hear leaves one, for the whole question.
    if (recognizer === 'perUtterance') openai.transcripts.push(...(segments.length >= 2 ? pieces : [pieces.join(' ')]));
    if (recognizer === 'deepgram') {
      const cues: ListenCue[] = [];
      ends.forEach((endMs, i) => {
        cues.push({ atMs: gatedMs(segments, endMs - 200), type: 'interim', transcript: pieces[i]!.split(' ').slice(0, -1).join(' ') });
        cues.push({ atMs: gatedMs(segments, endMs + ENDPOINTING_MS), type: 'final', transcript: pieces[i]!, speechFinal: true });
      });
      deepgram.listen.push(cues);
    }
    if (recognizer === 'flux') {
      const cues: FluxCue[] = [];
      ends.forEach((endMs, i) => {
        cues.push({ atMs: endMs - 200, event: 'Update', transcript: pieces[i]!.split(' ').slice(0, -1).join(' ') });
        cues.push({ atMs: endMs + ENDPOINTING_MS, event: 'EndOfTurn', transcript: pieces[i]! });
      });
      deepgram.flux.push(cues);
    }
    const sttUrl = recognizer === 'perUtterance' ? openai.baseURL : deepgram.baseUrl;
    const settings = standInSettings({ llmUrl: openai.baseURL, ttsUrl: openai.baseURL, recognizer, sttUrl, voice: { endOfThoughtMs } });
    const { turns } = await runVoiceLoop({ settings, keys, microphone, log });
    return turns.filter((turn) => turn.role === 'user').map((turn) => turn.text);
  } finally {
    await Promise.all([openai.close(), deepgram.close()]);
  }
}

const LABELS: Record<ThoughtRecognizer, string> = { perUtterance: 'per utterance', deepgram: 'Deepgram v1', flux: 'Deepgram Flux' };

/** Cut-off rates, with the wait at its default and off, for each recognizer over every question and pause. */
export async function midThoughtRows(keys: Keys, log: Logger): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const clips: Clip[] = [];
  for (const pieces of QUESTIONS) for (const pause of PAUSES_MS) clips.push(await clip(pieces, pause));
  for (const pause of PAUSES_MS) {
    const gaps = clips.filter((c) => c.pauseMs === pause).map((c) => Math.round(c.gapMs));
    notes.push(`a ${pause} ms pause is heard as ${Math.min(...gaps)}–${Math.max(...gaps)} ms of silence between the voiced frames`);
  }
  // BENCH_THOUGHT_RECOGNIZERS=deepgram,flux measures only those.
  const only = process.env.BENCH_THOUGHT_RECOGNIZERS?.split(',');
  for (const recognizer of (['perUtterance', 'deepgram', 'flux'] as const).filter((name) => !only || only.includes(name))) {
    const rate: Record<string, number> = {};
    for (const wait of [DEFAULT_SETTINGS.voice.endOfThoughtMs, 0]) {
      let cut = 0;
      let whole = 0;
      for (const c of clips) {
        const questions = await asked(recognizer, wait, c, keys, log);
        if (questions[0] === c.pieces.join(' ')) whole++;
        else if (questions[0] === c.pieces[0]) {
          cut++;
          // Cut with the wait on: which clip, to see why.
          if (wait > 0)
            notes.push(
              `${LABELS[recognizer]}, wait ${wait} ms: cut at the ${c.pauseMs} ms pause (${Math.round(c.gapMs)} ms of silence between the voiced frames) in "${c.pieces.join(' … ')}"`,
            );
        } else notes.push(`${LABELS[recognizer]}, wait ${wait} ms: "${c.pieces.join(' … ')}" was asked as ${JSON.stringify(questions)}`);
      }
      rate[wait] = (100 * cut) / clips.length;
      notes.push(`${LABELS[recognizer]}, wait ${wait} ms: ${whole} whole, ${cut} cut off, of ${clips.length}`);
    }
    rows.push({
      metric: `${LABELS[recognizer]}: questions cut off at a 600–900 ms pause mid-thought`,
      median: rate[DEFAULT_SETTINGS.voice.endOfThoughtMs]!,
      unit: '%',
      baseline: { name: 'endOfThoughtMs 0', median: rate[0]! },
    });
  }
  return { rows, notes };
}
