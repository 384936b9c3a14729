/**
 * Parley's own voice through the speakers into the microphone, in the whole voice loop: the answer
 * is spoken by the system voice (espeak-ng) and what the sink plays is mixed back into the
 * microphone, later and quieter, as a laptop's speakers would (test/support/voice-loop.ts). The
 * echo alone never pauses the answer nor reaches the recognizer; the user talking over it still
 * stops it, and their question is answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { pcmDurationMs } from '../../server/audio/pcm';
import { createLogger } from '../../server/log';
import { Keys } from '../../server/providers/keys';
import { startOpenAIStandIn } from '../support/standins';
import { silence, spoken } from '../support/spoken';
import { runVoiceLoop, type EchoPath } from '../support/voice-loop';

const QUESTION = 'why is this test failing';
const ANSWER = 'The test builds a list of three items and removes one of them by mistake, so the length it checks is two and not three.';
const question = spoken(QUESTION);
const questionEndMs = 500 + pcmDurationMs(question.length);

describe('the answer’s echo in the voice loop', { timeout: 240_000 }, () => {
  let openai: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  const keys = new Keys({ OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' });
  before(async () => {
    openai = await startOpenAIStandIn({ latency: { ttfbMs: 50, interTokenMs: 2 } });
  });
  after(() => openai.close());

  const settings = (): ParleySettings => ({
    ...structuredClone(DEFAULT_SETTINGS),
    llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: openai.baseURL },
    stt: { provider: 'openai-compatible', model: 'whisper-1', baseUrl: openai.baseURL },
    tts: { provider: 'system', model: '', baseUrl: '' },
  });
  const uploads = () => openai.requests.filter((request) => request.path === '/v1/audio/transcriptions').length;

  async function converse(microphone: Buffer, echo: EchoPath, transcripts: string[], answers: string[]) {
    openai.transcripts.push(...transcripts);
    for (const text of answers) openai.chat.push({ text });
    const messages: string[] = [];
    const log = createLogger((_level, line) => messages.push(line));
    const before = uploads();
    const run = await runVoiceLoop({ settings: settings(), keys, microphone, echo, log });
    return { ...run, uploads: uploads() - before, echoes: messages.filter((line) => line.includes('its own echo')).length };
  }

  for (const echo of [
    { delayMs: 60, gain: 0.5 },
    { delayMs: 200, gain: 0.5 },
    { delayMs: 120, gain: 0.2 },
  ])
    it(`plays on through its own echo ${echo.delayMs} ms late at ${echo.gain} of its level`, async () => {
      const run = await converse(Buffer.concat([silence(0.5), question, silence(11)]), echo, [QUESTION], [ANSWER]);
      const answer = run.turns.find((turn) => turn.role === 'assistant');
      assert.equal(answer?.interrupted, false, 'the answer played to its end');
      assert.deepEqual(run.pausedAtMs, [], 'never paused');
      assert.equal(run.uploads, 1, 'only the question went to the recognizer');
      if (echo.gain >= 0.5) assert.ok(run.echoes > 0, 'the VAD heard the echo as speech, and it was told apart');
    });

  it('stops for the user talking over its echo, and answers them', async () => {
    const user = spoken('which line is it');
    const userAtMs = questionEndMs + 4_000;
    const microphone = Buffer.concat([silence(0.5), question, silence((userAtMs - questionEndMs) / 1000), user, silence(4)]);
    const run = await converse(microphone, { delayMs: 120, gain: 0.5 }, [QUESTION, 'which line is it'], [ANSWER, 'The third one.']);
    const answers = run.turns.filter((turn) => turn.role === 'assistant');
    assert.equal(answers[0]?.interrupted, true, 'stopped');
    const pause = run.pausedAtMs.find((atMs) => atMs >= userAtMs - 100);
    assert.ok(
      pause !== undefined && pause - userAtMs < 300,
      `paused ${pause === undefined ? 'never' : `${Math.round(pause - userAtMs)} ms after the user began`}`,
    );
    assert.deepEqual(
      run.turns.filter((turn) => turn.role === 'user').map((turn) => turn.text),
      [QUESTION, 'which line is it'],
    );
  });
});
