/**
 * A pause mid-thought in the whole voice loop: "so the test fails when the", 800 ms of silence,
 * "parser reads an empty file", spoken by espeak-ng and played in as the microphone at real-time
 * pace. With a recognizer per utterance (the OpenAI-compatible stand-in, which ends the first
 * utterance at the VAD's silence) and with Deepgram Flux (the stand-in ending the turn in the pause,
 * as a turn model may), the question reaches the model whole; with `endOfThoughtMs` 0 it is cut at
 * the pause, which is what the setting is for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { pcmDurationMs } from '../../server/audio/pcm';
import { Keys } from '../../server/providers/keys';
import { startDeepgramStandIn, startOpenAIStandIn, type DeepgramStandIn } from '../support/standins';
import { silence, spoken, trimmed } from '../support/spoken';
import { runVoiceLoop, standInSettings } from '../support/voice-loop';

const FIRST = 'so the test fails when the';
const REST = 'parser reads an empty file';
const WHOLE = `${FIRST} ${REST}`;
const PAUSE_S = 0.8;
// Without the voice's own silence around the pieces: the pause between them is PAUSE_S.
const first = trimmed(spoken(FIRST));
const rest = trimmed(spoken(REST));
const MICROPHONE = Buffer.concat([silence(0.5), first, silence(PAUSE_S), rest, silence(2)]);
const firstEndMs = 500 + pcmDurationMs(first.length);
const restEndMs = firstEndMs + PAUSE_S * 1000 + pcmDurationMs(rest.length);

describe('a pause mid-thought in the voice loop', { timeout: 120_000 }, () => {
  let deepgram: DeepgramStandIn;
  let openai: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  const keys = new Keys({ DEEPGRAM_API_KEY: 'dg-test', OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' });

  before(async () => {
    deepgram = await startDeepgramStandIn({ apiKey: 'dg-test' });
    openai = await startOpenAIStandIn({ latency: { ttfbMs: 100, interTokenMs: 5 } });
  });
  after(async () => {
    await Promise.all([deepgram.close(), openai.close()]);
  });

  async function questions(recognizer: 'perUtterance' | 'flux', endOfThoughtMs: number): Promise<string[]> {
    openai.chat.push({ text: 'It reads past the end.' }, { text: 'It reads past the end.' });
    const sttUrl = recognizer === 'flux' ? deepgram.baseUrl : openai.baseURL;
    const settings = standInSettings({ llmUrl: openai.baseURL, ttsUrl: openai.baseURL, recognizer, sttUrl, voice: { endOfThoughtMs } });
    const { turns } = await runVoiceLoop({ settings, keys, microphone: MICROPHONE });
    return turns.filter((turn) => turn.role === 'user').map((turn) => turn.text);
  }

  const fluxEndsInThePause = () =>
    deepgram.flux.push([
      { atMs: firstEndMs - 300, event: 'Update', transcript: 'so the test fails' },
      { atMs: firstEndMs + 300, event: 'EndOfTurn', transcript: FIRST },
      { atMs: restEndMs - 300, event: 'Update', transcript: 'parser reads' },
      { atMs: restEndMs + 300, event: 'EndOfTurn', transcript: REST },
    ]);

  it('asks the whole question when the recognizer transcribes per utterance', async () => {
    openai.transcripts.push(FIRST, REST);
    assert.deepEqual(await questions('perUtterance', DEFAULT_SETTINGS.voice.endOfThoughtMs), [WHOLE]);
  });

  it('asks the whole question when Deepgram Flux ends the turn in the pause', async () => {
    fluxEndsInThePause();
    assert.deepEqual(await questions('flux', DEFAULT_SETTINGS.voice.endOfThoughtMs), [WHOLE]);
  });

  it('cuts the question at the pause with the wait turned off', async () => {
    openai.transcripts.push(FIRST, REST);
    assert.deepEqual(await questions('perUtterance', 0), [FIRST, REST]);
    fluxEndsInThePause();
    assert.deepEqual(await questions('flux', 0), [FIRST, REST]);
  });
});
