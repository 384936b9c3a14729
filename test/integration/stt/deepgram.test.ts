import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { ProviderError } from '../../../server/providers/errors';
import { Keys } from '../../../server/providers/keys';
import { DeepgramStt, type DeepgramSttOptions } from '../../../server/providers/stt/deepgram/deepgram';
import { createSttStage } from '../../../server/providers/stt/factory';
import type { SttStream } from '../../../server/providers/stt/stt';
import { waitFor } from '../../support/poll';
import { silence, startDeepgramStandIn, type DeepgramStandIn, type ListenCue } from '../../support/standins';
import { clip, FAST_GUARD, feed, ofType, quietLog, record } from './support';

const WHY = clip('why_failing.wav');
const RUN = clip('run_tests.wav');

describe('Deepgram live speech-to-text against the stand-in, through the SDK', () => {
  let standIn: DeepgramStandIn;
  const streams: SttStream[] = [];

  before(async () => {
    standIn = await startDeepgramStandIn({ apiKey: 'dg-test' });
  });
  after(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await standIn.close();
  });

  function deepgram(options: Partial<DeepgramSttOptions> = {}) {
    return new DeepgramStt({ apiKey: 'dg-test', baseUrl: standIn.baseUrl, resilience: FAST_GUARD, ...options }, quietLog);
  }

  async function open(options: Partial<DeepgramSttOptions> = {}, cues?: ListenCue[]) {
    if (cues) standIn.listen.push(cues);
    const stream = await deepgram(options).open();
    streams.push(stream);
    return { stream, events: record(stream), session: standIn.listenSessions.at(-1)! };
  }

  it('asks for nova-3 with 16 kHz linear16, interim results, smart format, endpointing, utterance end and VAD events', async () => {
    const settings: ParleySettings = { ...DEFAULT_SETTINGS, stt: { provider: 'deepgram', model: '', baseUrl: standIn.baseUrl } };
    const stt = createSttStage(settings, new Keys({ DEEPGRAM_API_KEY: 'dg-test' }), quietLog, { deepgram: { endpointingMs: 250 } });
    const stream = await stt.open();
    streams.push(stream);
    const { query, headers } = standIn.listenSessions.at(-1)!.request;
    assert.equal(headers.authorization, 'Token dg-test');
    assert.deepEqual(
      [
        query.model,
        query.encoding,
        query.sample_rate,
        query.channels,
        query.interim_results,
        query.smart_format,
        query.endpointing,
        query.utterance_end_ms,
        query.vad_events,
      ],
      ['nova-3', 'linear16', '16000', '1', 'true', 'true', '250', '1000', 'true'],
    );
  });

  it('turns real speech into SpeechStarted, growing interims, a final and an endpointing end of turn', async () => {
    const { stream, events } = await open({}, [
      { atMs: 120, type: 'SpeechStarted' },
      { atMs: 500, type: 'interim', transcript: 'why is' },
      { atMs: 1000, type: 'interim', transcript: 'why is this test' },
      { atMs: 1800, type: 'final', transcript: 'Why is this test failing?' },
    ]);
    await feed(stream, Buffer.concat([WHY, silence(300, 16000)]));
    const [end] = await waitFor(() => ofType(events, 'endOfTurn').length > 0 && ofType(events, 'endOfTurn'), { what: 'end of turn' });

    assert.deepEqual(
      events.map((e) => e.type),
      ['speechStarted', 'interim', 'interim', 'final', 'endOfTurn'],
    );
    assert.equal(ofType(events, 'speechStarted')[0]!.atMs, 120);
    assert.deepEqual(
      ofType(events, 'interim').map((e) => e.text),
      ['why is', 'why is this test'],
    );
    assert.deepEqual(
      ofType(events, 'final').map((e) => [e.text, e.confidence]),
      [['Why is this test failing?', 0.98]],
    );
    assert.equal(end!.reason, 'endpointing');
    assert.equal(end!.text, 'Why is this test failing?');
    assert.equal(end!.finalizeMs, undefined, 'Deepgram ended this turn, not endTurn()');
    assert.ok(end!.audioMs > 1800 && end!.audioMs <= 2162, `turn audio ${end!.audioMs} ms`);
    assert.ok(events.every((e) => e.provider === 'deepgram' && typeof e.createdAt === 'number'));
  });

  it('joins finals into one turn that ends on UtteranceEnd when Deepgram saw no endpoint', async () => {
    const { stream, events } = await open({}, [
      { atMs: 600, type: 'final', transcript: 'why is', speechFinal: false },
      { atMs: 1500, type: 'interim', transcript: 'this test' },
      { atMs: 1700, type: 'final', transcript: 'this test failing', speechFinal: false },
      { atMs: 2000, type: 'UtteranceEnd' },
    ]);
    await feed(stream, Buffer.concat([WHY, silence(300, 16000)]));
    const [end] = await waitFor(() => ofType(events, 'endOfTurn').length > 0 && ofType(events, 'endOfTurn'), { what: 'end of turn' });
    assert.deepEqual(
      ofType(events, 'interim').map((e) => e.text),
      ['why is this test'],
      'interims show the whole turn so far',
    );
    assert.deepEqual([end!.reason, end!.text], ['utteranceEnd', 'why is this test failing']);
  });

  it('endTurn() sends Finalize; the from_finalize result ends the turn with the local reason and its latency', async () => {
    const { stream, events, session } = await open({}, [{ atMs: 900, type: 'interim', transcript: 'run the tests' }]);
    await feed(stream, RUN);
    await waitFor(() => ofType(events, 'interim').length === 1, { what: 'the interim' });
    stream.endTurn('pushToTalk');
    const [end] = await waitFor(() => ofType(events, 'endOfTurn').length > 0 && ofType(events, 'endOfTurn'), { what: 'end of turn' });

    assert.ok(session.controls.includes('Finalize'));
    const finalized = session.sent.find((m) => m.type === 'Results' && (m as { from_finalize?: boolean }).from_finalize);
    assert.ok(finalized, 'the stand-in answered Finalize with a from_finalize result');
    assert.deepEqual(
      ofType(events, 'final').map((e) => e.text),
      ['run the tests'],
    );
    assert.deepEqual([end!.reason, end!.text], ['pushToTalk', 'run the tests']);
    assert.ok(typeof end!.finalizeMs === 'number' && end!.finalizeMs >= 0);

    standIn.latency.ttfbMs = 0;
    stream.push(silence(200, 16000));
    stream.endTurn('vad');
    await waitFor(() => session.controls.filter((c) => c === 'Finalize').length === 2, { what: 'second Finalize' });
  });

  it('a turn with nothing said ends without events: endTurn on no audio gives no final and no end of turn', async () => {
    const { stream, events, session } = await open({}, [{ atMs: 600, type: 'interim', transcript: 'stop' }]);
    stream.endTurn('pushToTalk');
    await feed(stream, clip('stop.wav'));
    stream.endTurn('pushToTalk');
    // Socket messages arrive in order: once the second turn has ended, the first Finalize's answer was handled.
    await waitFor(() => ofType(events, 'endOfTurn').length > 0, { what: 'the second turn' });
    assert.equal(session.controls.filter((c) => c === 'Finalize').length, 2);
    assert.deepEqual(
      events.filter((e) => e.type !== 'interim').map((e) => [e.type, 'text' in e ? e.text : '']),
      [
        ['final', 'stop'],
        ['endOfTurn', 'stop'],
      ],
    );
  });

  it('keeps the socket alive with KeepAlive while no audio flows, past the idle timeout', async () => {
    const idle = await startDeepgramStandIn({ idleTimeoutMs: 300 });
    try {
      const stt = new DeepgramStt({ apiKey: 'k', baseUrl: idle.baseUrl, keepAliveMs: 50, resilience: FAST_GUARD }, quietLog);
      const stream = await stt.open();
      const events = record(stream);
      stream.push(WHY.subarray(0, 6_400));
      const session = idle.listenSessions[0]!;
      await waitFor(() => session.keepAlives >= 12, { what: '12 KeepAlives (600 ms of silence)' });
      assert.equal(session.closed, undefined, 'the stand-in did not close the idle socket');
      assert.deepEqual(
        events.filter((e) => e.type === 'error'),
        [],
      );
      await stream.close();
      assert.deepEqual(await waitFor(() => session.closed, { what: 'socket closed' }), { code: 1000, reason: '' });
      assert.equal(session.controls.at(-1), 'CloseStream');
    } finally {
      await idle.close();
    }
  });

  it('sends every byte exactly once, sample-aligned, when pushed in odd-length pieces', async () => {
    const { stream, session } = await open();
    await feed(stream, WHY, 333);
    stream.push(Buffer.alloc(1));
    await stream.close();
    const metadata = session.sent.find((m) => m.type === 'Metadata') as { sha256: string } | undefined;
    assert.equal(session.audioBytes, WHY.length, 'the dangling odd byte is never sent');
    assert.equal(metadata?.sha256, createHash('sha256').update(WHY).digest('hex'));
  });

  it('close() sends CloseStream and still delivers what Deepgram settles, then emits nothing more', async () => {
    const { stream, events, session } = await open({}, [{ atMs: 700, type: 'interim', transcript: 'why is this' }]);
    await feed(stream, WHY);
    await waitFor(() => ofType(events, 'interim').length === 1, { what: 'the interim' });
    await stream.close();
    assert.equal((await waitFor(() => session.closed, { what: 'socket closed' })).code, 1000);
    assert.deepEqual(
      ofType(events, 'final').map((e) => e.text),
      ['why is this'],
    );
    assert.deepEqual(ofType(events, 'error'), []);
    const count = events.length;
    stream.push(WHY);
    stream.endTurn();
    assert.equal(events.length, count);
    assert.equal(stream.closed, true);
  });

  it('a refused key (401) at the handshake rejects open() with a non-retryable error, after one attempt', async () => {
    const before = standIn.requests.length;
    await assert.rejects(deepgram({ apiKey: 'dg-wrong' }).open(), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.retryable, false);
      assert.equal(error.stage, 'stt');
      assert.match(error.message, /Deepgram refused the key \(401\)/);
      return true;
    });
    assert.equal(standIn.requests.length - before, 1);
  });

  it('retries a handshake that failed with 503, through the guard', async () => {
    const before = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 503 }, { path: '/v1/listen' });
    const { stream } = await open();
    assert.equal(standIn.requests.length - before, 2);
    assert.equal(stream.closed, false);
  });

  it('reports a dropped socket as a fatal, retryable error event instead of hanging', async () => {
    standIn.failNext({ kind: 'cut', afterEvents: 1 });
    const { stream, events } = await open({}, [
      { atMs: 300, type: 'interim', transcript: 'why' },
      { atMs: 900, type: 'interim', transcript: 'why is this' },
    ]);
    await feed(stream, WHY);
    const [failure] = await waitFor(() => ofType(events, 'error').length > 0 && ofType(events, 'error'), { what: 'error event' });
    assert.equal(failure!.fatal, true);
    assert.equal(failure!.error.retryable, true);
    assert.match(failure!.error.message, /Deepgram dropped the connection/);
    await waitFor(() => stream.closed, { what: 'stream closed' });
    assert.deepEqual(
      ofType(events, 'interim').map((e) => e.text),
      ['why'],
    );
    stream.push(WHY);
    stream.endTurn();
    assert.equal(ofType(events, 'error').length, 1, 'one report, however much is pushed afterwards');
  });

  it('reports the server closing a session (1011) with its reason', async () => {
    standIn.failNext({ kind: 'stream-error', afterEvents: 0, message: 'internal fault' });
    const { stream, events } = await open({}, [{ atMs: 100, type: 'interim', transcript: 'why' }]);
    await feed(stream, WHY.subarray(0, 6_400));
    const [failure] = await waitFor(() => ofType(events, 'error').length > 0 && ofType(events, 'error'), { what: 'error event' });
    assert.match(failure!.error.message, /code 1011.*internal fault/);
    assert.equal(failure!.error.retryable, true);
  });

  it('closes the stream when the signal given to open() aborts', async () => {
    const controller = new AbortController();
    standIn.listen.push([]);
    const stream = await deepgram().open({}, controller.signal);
    const session = standIn.listenSessions.at(-1)!;
    controller.abort();
    await waitFor(() => session.closed, { what: 'socket closed' });
    assert.equal(stream.closed, true);
  });
});
