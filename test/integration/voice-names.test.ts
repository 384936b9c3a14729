/**
 * The workspace's names in the whole voice loop, with a question spoken by espeak-ng: each
 * recognizer is given the vocabulary as its API takes it (Deepgram nova-3 and Flux: `keyterm`
 * query parameters when the socket opens; OpenAI transcription: the `prompt` field of each
 * request), as the stand-ins record the requests, and the names the recognizer wrote as words
 * reach the model as the code's names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pcmDurationMs } from '../../server/audio/pcm';
import { Keys } from '../../server/providers/keys';
import { startDeepgramStandIn, startOpenAIStandIn, type DeepgramStandIn } from '../support/standins';
import { silence, spoken } from '../support/spoken';
import { runVoiceLoop, standInSettings, type StandInRecognizer } from '../support/voice-loop';

const VOCABULARY = ['getUserById', 'main.ts', 'parseConfig'];
const HEARD = 'why does get user by id fail in main dot ts';
const ASKED = 'why does `getUserById` fail in `main.ts`';
const clip = spoken(HEARD);
const MICROPHONE = Buffer.concat([silence(0.5), clip, silence(2)]);
const endMs = 500 + pcmDurationMs(clip.length);

describe('the workspace’s names in the voice loop', { timeout: 120_000 }, () => {
  let deepgram: DeepgramStandIn;
  let openai: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  const keys = new Keys({ DEEPGRAM_API_KEY: 'dg-test', OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' });

  before(async () => {
    deepgram = await startDeepgramStandIn({ apiKey: 'dg-test' });
    openai = await startOpenAIStandIn({ latency: { ttfbMs: 50, interTokenMs: 2 } });
  });
  after(async () => {
    await Promise.all([deepgram.close(), openai.close()]);
  });

  async function asked(recognizer: StandInRecognizer): Promise<string[]> {
    openai.chat.push({ text: 'It looks the user up by email.' });
    const sttUrl = recognizer === 'perUtterance' ? openai.baseURL : deepgram.baseUrl;
    const settings = standInSettings({ llmUrl: openai.baseURL, ttsUrl: openai.baseURL, recognizer, sttUrl });
    const { turns } = await runVoiceLoop({ settings, keys, microphone: MICROPHONE, vocabulary: VOCABULARY });
    return turns.filter((turn) => turn.role === 'user').map((turn) => turn.text);
  }

  it('gives Deepgram nova-3 the names as keyterms', async () => {
    // The VAD sends the speech from its padded start, about 0.3 s before it: the cue times are the recognizer's.
    deepgram.listen.push([{ atMs: endMs - 500, type: 'final', transcript: HEARD, speechFinal: true }]);
    const before = deepgram.listenSessions.length;
    assert.deepEqual(await asked('deepgram'), [ASKED]);
    assert.deepEqual(deepgram.listenSessions[before]!.request.queryAll.keyterm, VOCABULARY);
  });

  it('gives Deepgram Flux the names as keyterms', async () => {
    deepgram.flux.push([
      { atMs: endMs - 200, event: 'Update', transcript: 'why does get user' },
      { atMs: endMs + 300, event: 'EndOfTurn', transcript: HEARD },
    ]);
    const before = deepgram.fluxSessions.length;
    assert.deepEqual(await asked('flux'), [ASKED]);
    assert.deepEqual(deepgram.fluxSessions[before]!.request.queryAll.keyterm, VOCABULARY);
  });

  it('gives OpenAI transcription the names in its prompt', async () => {
    openai.transcripts.push(HEARD);
    const before = openai.requests.length;
    assert.deepEqual(await asked('perUtterance'), [ASKED]);
    const upload = openai.requests.slice(before).find((request) => request.path === '/v1/audio/transcriptions');
    assert.equal((upload?.body as Record<string, unknown>).prompt, 'Names in this code: getUserById, main.ts, parseConfig.');
  });
});
