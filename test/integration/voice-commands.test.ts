/**
 * Voice commands in the whole voice loop, spoken by espeak-ng and played in as the microphone at
 * real-time pace: "slower" and then "stop" said over a long answer, with Deepgram Flux (the
 * stand-in gives each word as an update, then ends the turn) — each acted on within 300 ms of the
 * recognizer's first words, the answer slowed and then stopped, and neither sent to the model; and
 * "repeat that" after an answer with a recognizer per utterance, which plays the answer again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pcmDurationMs } from '../../server/audio/pcm';
import { Keys } from '../../server/providers/keys';
import { startDeepgramStandIn, startOpenAIStandIn, type DeepgramStandIn } from '../support/standins';
import { silence, spoken } from '../support/spoken';
import { runVoiceLoop, standInSettings, type VoiceLoopRun } from '../support/voice-loop';

const QUESTION = 'why is this test failing';
const LONG_ANSWER =
  'The test builds a list of three items and then removes one of them by mistake, so the length it checks is two and not three. ' +
  'You can fix it by copying the list before the loop, or by checking the length before anything is removed from it.';
/** How soon after the recognizer's words a command acts. */
const ACTS_WITHIN_MS = 300;

/** Clips laid end to end from 0.5 s in, each after the silence before it; where each ends, in ms. */
function timeline(parts: [gapS: number, text: string][]): { microphone: Buffer; endsMs: number[] } {
  const pieces: Buffer[] = [silence(0.5)];
  let atMs = 500;
  const endsMs: number[] = [];
  for (const [gapS, text] of parts) {
    const clip = spoken(text);
    pieces.push(silence(gapS), clip);
    atMs += gapS * 1000 + pcmDurationMs(clip.length);
    endsMs.push(atMs);
  }
  pieces.push(silence(2));
  return { microphone: Buffer.concat(pieces), endsMs };
}

const commandsOf = (run: VoiceLoopRun) => run.frames.flatMap((frame, i) => (frame.type === 'voiceCommand' ? [{ ...frame, atMs: run.frameAtMs[i]! }] : []));
const userTurns = (run: VoiceLoopRun) => run.turns.filter((turn) => turn.role === 'user').map((turn) => turn.text);

describe('voice commands in the voice loop', { timeout: 120_000 }, () => {
  let deepgram: DeepgramStandIn;
  let openai: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  const keys = new Keys({ DEEPGRAM_API_KEY: 'dg-test', OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' });

  before(async () => {
    deepgram = await startDeepgramStandIn({ apiKey: 'dg-test' });
    openai = await startOpenAIStandIn({ latency: { ttfbMs: 100, interTokenMs: 2 } });
  });
  after(async () => {
    await Promise.all([deepgram.close(), openai.close()]);
  });

  const settings = (recognizer: 'perUtterance' | 'flux') =>
    standInSettings({ llmUrl: openai.baseURL, ttsUrl: openai.baseURL, recognizer, sttUrl: recognizer === 'flux' ? deepgram.baseUrl : openai.baseURL });
  const chats = () => openai.requests.filter((request) => request.path === '/v1/chat/completions').length;

  it('slows the answer on "slower" and stops it on "stop", at the first words, without asking the model', async () => {
    // The answer starts about a second after the question; "slower" comes 2.5 s into it, "stop" 2 s later.
    const { microphone, endsMs } = timeline([
      [0, QUESTION],
      [3.5, 'slower'],
      [2, 'stop'],
    ]);
    const [questionEnd, slowerEnd, stopEnd] = endsMs as [number, number, number];
    const cues = {
      slower: slowerEnd + 50,
      stop: stopEnd + 50,
    };
    deepgram.flux.push([
      { atMs: questionEnd - 200, event: 'Update', transcript: 'why is this test' },
      { atMs: questionEnd + 300, event: 'EndOfTurn', transcript: QUESTION },
      { atMs: cues.slower, event: 'Update', transcript: 'slower' },
      { atMs: slowerEnd + 400, event: 'EndOfTurn', transcript: 'slower' },
      { atMs: cues.stop, event: 'Update', transcript: 'stop' },
      { atMs: stopEnd + 400, event: 'EndOfTurn', transcript: 'stop' },
    ]);
    openai.chat.push({ text: LONG_ANSWER });
    const asked = chats();
    const run = await runVoiceLoop({ settings: settings('flux'), keys, microphone });

    assert.deepEqual(userTurns(run), [QUESTION], 'the commands are not questions');
    assert.equal(chats() - asked, 1, 'the model was asked once');
    const commands = commandsOf(run);
    assert.deepEqual(
      commands.map((command) => [command.command, command.message]),
      [
        ['slower', 'Speaking at 0.9× speed.'],
        ['stop', 'Stopped.'],
      ],
    );
    for (const command of commands) {
      const lagMs = command.atMs - cues[command.command as keyof typeof cues];
      assert.ok(lagMs < ACTS_WITHIN_MS, `"${command.command}" acted on ${Math.round(lagMs)} ms after the recognizer's words`);
    }
    const answer = run.turns.find((turn) => turn.role === 'assistant');
    assert.equal(answer?.interrupted, true, 'stopped');
    assert.ok(answer.text.length > 0 && LONG_ANSWER.startsWith(answer.text.replace(/[.,]$/, '')), `heard: ${answer.text}`);
  });

  it('plays the last answer again on "repeat that", with a recognizer per utterance', async () => {
    const answer = 'It removes an item by mistake.';
    const { microphone } = timeline([
      [0, QUESTION],
      [3.5, 'repeat that'],
    ]);
    openai.transcripts.push(QUESTION, 'Repeat that.');
    openai.chat.push({ text: answer });
    const asked = chats();
    const run = await runVoiceLoop({ settings: settings('perUtterance'), keys, microphone });

    assert.deepEqual(userTurns(run), [QUESTION]);
    assert.equal(chats() - asked, 1);
    assert.deepEqual(
      commandsOf(run).map((command) => command.message),
      ['Saying the last answer again.'],
    );
    const playedMs = run.sink.played.reduce((sum, chunk) => sum + chunk.ms, 0);
    const answerMs = answer.length * 40;
    assert.ok(Math.abs(playedMs - 2 * answerMs) < 100, `played ${Math.round(playedMs)} ms: the ${answerMs} ms answer twice`);
  });
});
