import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { createTtsStage, type TtsStageOptions } from '../../../server/providers/tts';
import { waitFor } from '../../support/poll';
import { speechFor, startDeepgramStandIn, type DeepgramStandIn } from '../../support/standins';
import { FAST_RESILIENCE, Recording, capturingLog } from './record';

const RATE = 24_000;
const samplesFor = (text: string) => speechFor(text, RATE).length / 2;

function auraStage(standIn: DeepgramStandIn, key = 'dg-test', options: TtsStageOptions = {}) {
  const settings: ParleySettings = { ...DEFAULT_SETTINGS, tts: { provider: 'deepgram', model: '', baseUrl: standIn.baseUrl } };
  const { log, lines } = capturingLog();
  const stage = createTtsStage(settings, new Keys({ DEEPGRAM_API_KEY: key }), log, { resilience: FAST_RESILIENCE, ...options });
  return { stage, lines };
}

describe('Deepgram Aura text-to-speech through the SDK', () => {
  let standIn: DeepgramStandIn;

  before(async () => {
    standIn = await startDeepgramStandIn({ apiKey: 'dg-test' });
  });
  after(() => standIn.close());

  it('speaks each sentence as its own segment: its audio, then segmentDone, TTFB at least the provider latency', async () => {
    standIn.latency.ttfbMs = 120;
    const { stage } = auraStage(standIn);
    const tts = stage.stream();
    const got = new Recording(tts);
    try {
      tts.pushText('The test fails.');
      tts.pushText('The mock is stale.');
      tts.flush();
      const [metrics] = await waitFor(() => got.metrics.length > 0 && got.metrics, { what: 'metrics' });

      assert.deepEqual(
        got.done.map((d) => d.text),
        ['The test fails.', 'The mock is stale.'],
      );
      for (const done of got.done) {
        const audio = got.audio.filter((a) => a.segmentId === done.segmentId);
        assert.ok(audio.length > 0, `audio for "${done.text}"`);
        assert.ok(
          audio.every((a) => a.at <= done.at && a.sampleRate === RATE),
          'audio at 24 kHz comes before its segmentDone',
        );
        assert.equal(got.samples(done.segmentId).length, samplesFor(done.text));
        assert.equal(Math.round(done.audioMs), Math.round((samplesFor(done.text) / RATE) * 1000));
      }
      assert.ok(metrics!.ttfbMs! >= 120, `TTFB ${metrics!.ttfbMs} ms`);
      assert.deepEqual([metrics!.segments, metrics!.cancelled, got.errors.length], [2, false, 0]);

      const session = standIn.speakSessions.at(-1)!;
      assert.deepEqual(session.texts, ['The test fails. ', 'The mock is stale. ']);
      assert.deepEqual(session.controls, ['Speak', 'Flush', 'Speak', 'Flush']);
      assert.deepEqual(
        [session.request.query.model, session.request.query.encoding, session.request.query.sample_rate],
        ['aura-2-thalia-en', 'linear16', '24000'],
      );
    } finally {
      standIn.latency.ttfbMs = 0;
      await tts.close();
    }
  });

  it('joins the clauses of one sentence, flushing the first at once and then at the sentence end', async () => {
    const tts = auraStage(standIn).stage.stream();
    const got = new Recording(tts);
    try {
      tts.pushText('First of all, the mock is stale,');
      tts.pushText('and the fixture is old,');
      tts.pushText('so the test fails.');
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.deepEqual(
        got.done.map((d) => d.text),
        ['First of all, the mock is stale,', 'and the fixture is old, so the test fails.'],
      );
      assert.deepEqual(standIn.speakSessions.at(-1)!.controls, ['Speak', 'Flush', 'Speak', 'Speak', 'Flush']);
      assert.equal(got.samples(got.done[1]!.segmentId).length, samplesFor('and the fixture is old, so the test fails.'));
    } finally {
      await tts.close();
    }
  });

  it('stays within the flush limit, joining sentences while it waits', async () => {
    const tts = auraStage(standIn, 'dg-test', { flushLimit: { count: 2, windowMs: 300 } }).stage.stream();
    const got = new Recording(tts);
    try {
      for (const sentence of ['One.', 'Two.', 'Three.', 'Four.']) tts.pushText(sentence);
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.deepEqual(
        got.done.map((d) => d.text),
        ['One.', 'Two.', 'Three. Four.'],
      );
      assert.equal(standIn.speakSessions.at(-1)!.controls.filter((c) => c === 'Flush').length, 3);
    } finally {
      await tts.close();
    }
  });

  it('on clear() sends Clear, gets Cleared, and emits no audio of the cleared text afterwards; the socket serves the next turn', async () => {
    standIn.latency.interTokenMs = 30;
    const { stage, lines } = auraStage(standIn);
    const tts = stage.stream();
    const got = new Recording(tts);
    const sessionsBefore = standIn.speakSessions.length;
    try {
      const long = 'A long answer that the user is about to interrupt with a brand new question.';
      tts.pushText(long);
      tts.flush();
      await waitFor(() => got.audio.length > 0, { what: 'first audio' });
      await tts.clear();
      const audioAtClear = got.audio.length;
      const cut = got.audio[0]!.segmentId;
      assert.ok(
        lines.some((line) => line.includes('Deepgram: Cleared')),
        'Cleared was received before clear() resolved',
      );
      assert.deepEqual(
        got.metrics.map((m) => m.cancelled),
        [true],
      );

      tts.pushText('Yes?');
      tts.flush();
      await waitFor(() => got.metrics.length === 2, { what: 'second turn' });
      const later = got.audio.slice(audioAtClear);
      assert.ok(later.length > 0 && later.every((a) => a.segmentId !== cut), 'only the new text is heard after clear()');
      assert.equal(got.samples(cut).length < samplesFor(long), true, 'the long answer was cut short');
      assert.ok(!got.done.some((d) => d.segmentId === cut), 'the cut segment is never reported done');
      assert.deepEqual(
        got.done.map((d) => d.text),
        ['Yes?'],
      );

      assert.equal(standIn.speakSessions.length, sessionsBefore + 1, 'one socket for both turns');
      assert.deepEqual(standIn.speakSessions.at(-1)!.controls, ['Speak', 'Flush', 'Clear', 'Speak', 'Flush']);
    } finally {
      standIn.latency.interTokenMs = 0;
      await tts.close();
    }
    await waitFor(() => standIn.speakSessions.at(-1)!.closed, { what: 'the socket to close' });
    assert.equal(standIn.speakSessions.at(-1)!.controls.at(-1), 'Close', 'close() says Close before it goes');
  });

  it('prepare() opens the socket before any text, and the reply uses it', async () => {
    const tts = auraStage(standIn).stage.stream();
    const got = new Recording(tts);
    const sessionsBefore = standIn.speakSessions.length;
    try {
      tts.prepare();
      await waitFor(() => standIn.speakSessions.length === sessionsBefore + 1, { what: 'the early handshake' });
      assert.deepEqual(standIn.speakSessions.at(-1)!.controls, []);
      tts.pushText('Ready when you are.');
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.deepEqual([standIn.speakSessions.length, got.done.length], [sessionsBefore + 1, 1]);
    } finally {
      await tts.close();
    }
  });

  it('reports a refused key (401) as not retryable, after a single handshake', async () => {
    const handshakes = () => standIn.requests.filter((r) => r.path === '/v1/speak').length;
    const before = handshakes();
    const tts = auraStage(standIn, 'dg-wrong').stage.stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Hello there.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.equal(error!.error.retryable, false);
      assert.match(error!.error.message, /Deepgram refused the key \(HTTP 401\)/);
      assert.deepEqual([error!.error.stage, error!.error.provider], ['tts', 'deepgram']);
      assert.equal(handshakes() - before, 1);
      await waitFor(() => got.metrics.length > 0, { what: 'the turn to end' });
      assert.deepEqual([got.audio.length, got.metrics[0]!.ttfbMs], [0, null]);
    } finally {
      await tts.close();
    }
  });

  it('reports a dropped connection as retryable and reconnects for the next turn', async () => {
    standIn.failNext({ kind: 'cut', afterEvents: 3 }, { path: '/v1/speak' });
    const tts = auraStage(standIn).stage.stream();
    const got = new Recording(tts);
    try {
      tts.pushText('This answer is cut off by the network.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.equal(error!.error.retryable, true);
      assert.match(error!.error.message, /closed the speech connection \(code 1006/);
      await waitFor(() => got.metrics.length > 0, { what: 'the turn to end' });

      tts.pushText('Back again.');
      tts.flush();
      await waitFor(() => got.metrics.length > 1, { what: 'the next turn' });
      assert.deepEqual(
        got.done.map((d) => d.text),
        ['Back again.'],
      );
    } finally {
      await tts.close();
    }
  });
});
