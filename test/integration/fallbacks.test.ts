/**
 * Fallbacks for speech to text and text to speech, through the real provider classes against the
 * loopback stand-ins: a provider that is down hands over to the next before anything was heard
 * or spoken, and its circuit breaker, kept by the registry, skips it on the next stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { Keys } from '../../server/providers/keys';
import { ProviderRegistry } from '../../server/providers/registry';
import type { SttStream } from '../../server/providers/stt';
import { waitFor } from '../support/poll';
import { OPENAI_SPEECH_SAMPLE_RATE, startDeepgramStandIn, startOpenAIStandIn, type DeepgramStandIn, type OpenAIStandIn } from '../support/standins';
import { clip, feed, ofType, quietLog, record } from './stt/support';
import { Recording } from './tts/record';

const WHY = clip('why_failing.wav');
/** No retries and a breaker that opens at the first failure, so the tests count requests exactly. */
const BRITTLE = { timeoutMs: 5_000, retries: 0, initialDelayMs: 1, maxDelayMs: 5, breakAfter: 1, halfOpenAfterMs: 60_000 };
const keys = new Keys({ DEEPGRAM_API_KEY: 'dg-test', OPENAI_API_KEY: 'sk-test' });

describe('fallbacks for speech to text and text to speech', () => {
  let deepgram: DeepgramStandIn;
  let openai: OpenAIStandIn;
  const streams: SttStream[] = [];

  before(async () => {
    deepgram = await startDeepgramStandIn({ apiKey: 'dg-test' });
    openai = await startOpenAIStandIn({ apiKey: 'sk-test' });
  });
  after(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await Promise.all([deepgram.close(), openai.close()]);
  });

  const settings = (): ParleySettings => ({
    ...DEFAULT_SETTINGS,
    stt: { provider: 'deepgram', model: '', baseUrl: deepgram.baseUrl },
    sttFallbacks: [{ provider: 'openai-compatible', model: 'whisper-1', baseUrl: openai.baseURL }],
    tts: { provider: 'deepgram', model: '', baseUrl: deepgram.baseUrl },
    ttsFallbacks: [{ provider: 'openai', model: '', baseUrl: openai.baseURL }],
  });
  const registry = () =>
    new ProviderRegistry(keys, quietLog, { stt: { deepgram: { resilience: BRITTLE }, openai: { resilience: BRITTLE } }, tts: { resilience: BRITTLE } });
  const listens = () => deepgram.requests.filter((request) => request.path === '/v1/listen').length;

  it('transcribes with the OpenAI-compatible server when Deepgram refuses the connection', async () => {
    const stt = registry().stt(settings());
    deepgram.failNext({ kind: 'status', status: 503 }, { path: '/v1/listen' });
    openai.transcripts.push('why is this test failing');
    const stream = await stt.open();
    streams.push(stream);
    assert.equal(stream.provider, 'openai-compatible');
    assert.equal(stt.continuous, false);
    const events = record(stream);
    await feed(stream, WHY);
    stream.endTurn('vad');
    const [end] = await waitFor(() => ofType(events, 'endOfTurn').length > 0 && ofType(events, 'endOfTurn'), { what: 'the fallback’s end of turn' });
    assert.equal(end!.text, 'why is this test failing');
  });

  it('skips a recognizer whose circuit is open, without asking it again', async () => {
    const providers = registry();
    deepgram.failNext({ kind: 'status', status: 503 }, { path: '/v1/listen' });
    streams.push(await providers.stt(settings()).open());
    const before = listens();
    providers.invalidate();
    const stream = await providers.stt(settings()).open();
    streams.push(stream);
    assert.equal(stream.provider, 'openai-compatible', 'the rebuilt stage has the same breaker for Deepgram');
    assert.equal(listens(), before, 'Deepgram was not asked while its circuit is open');
  });

  it('opens the configured recognizer first when it is up', async () => {
    const stream = await registry().stt(settings()).open();
    streams.push(stream);
    assert.equal(stream.provider, 'deepgram');
  });

  it('speaks with OpenAI when Aura is down, the whole answer and its turn end, and skips Aura while its circuit is open', async () => {
    const tts = registry().tts(settings());
    deepgram.failNext({ kind: 'status', status: 503 }, { path: '/v1/speak' });
    const stream = tts.stream();
    const got = new Recording(stream);
    stream.pushText('The test fails because the fixture is missing.');
    stream.pushText('Add it and run the tests again.');
    stream.flush();
    await waitFor(() => got.metrics.length > 0, { what: 'the answer to finish' });
    assert.deepEqual(got.errors, []);
    assert.deepEqual(
      got.done.map((done) => done.text),
      ['The test fails because the fixture is missing.', 'Add it and run the tests again.'],
    );
    assert.ok(got.audio.length > 0 && got.audio.every((audio) => audio.sampleRate === OPENAI_SPEECH_SAMPLE_RATE), 'the audio is OpenAI’s');
    assert.equal(got.metrics[0]!.cancelled, false);
    assert.equal(openai.requests.filter((request) => request.path === '/v1/audio/speech').length >= 2, true);
    await stream.close();

    const speaks = deepgram.requests.filter((request) => request.path === '/v1/speak').length;
    const next = tts.stream();
    const again = new Recording(next);
    next.pushText('The next answer goes straight to OpenAI.');
    next.flush();
    await waitFor(() => again.metrics.length > 0, { what: 'the next answer to finish' });
    assert.deepEqual(again.errors, []);
    assert.ok(again.audio.length > 0 && again.audio.every((audio) => audio.sampleRate === OPENAI_SPEECH_SAMPLE_RATE));
    assert.equal(deepgram.requests.filter((request) => request.path === '/v1/speak').length, speaks, 'Aura was not asked while its circuit is open');
    await next.close();
  });

  it('stays with the voice that has spoken: a failure after its first audio is reported, not handed over', async () => {
    const tts = registry().tts(settings());
    const speeches = () => openai.requests.filter((request) => request.path === '/v1/audio/speech').length;
    const before = speeches();
    deepgram.failNext({ kind: 'cut', afterEvents: 2 }, { path: '/v1/speak' });
    const stream = tts.stream();
    const got = new Recording(stream);
    stream.pushText('This answer is cut off by the network after its first words.');
    stream.flush();
    const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'the error' });
    assert.ok(got.audio.length > 0 && got.audio.every((audio) => audio.sampleRate === 24_000), 'Aura spoke first');
    assert.equal(error!.error.retryable, true);
    assert.equal(speeches(), before, 'OpenAI was not asked to speak');
    await stream.close();
  });
});
