/** Deepgram Flux as Parley's speech-to-text stage, against the stand-in through the SDK. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { DeepgramFluxStt, type DeepgramFluxOptions } from '../../../server/providers/stt/deepgram/flux';
import { createSttStage } from '../../../server/providers/stt/factory';
import type { SttStream } from '../../../server/providers/stt/stt';
import { waitFor } from '../../support/poll';
import { silence, startDeepgramStandIn, type DeepgramStandIn, type FluxCue } from '../../support/standins';
import { clip, FAST_GUARD, feed, ofType, quietLog, record } from './support';

const WHY = Buffer.concat([clip('why_failing.wav'), silence(700, 16000)]);

describe('Deepgram Flux speech-to-text against the stand-in, through the SDK', () => {
  let standIn: DeepgramStandIn;
  const streams: SttStream[] = [];

  before(async () => {
    standIn = await startDeepgramStandIn({ apiKey: 'dg-test' });
  });
  after(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await standIn.close();
  });

  async function open(options: Partial<DeepgramFluxOptions> = {}, cues?: FluxCue[]) {
    if (cues) standIn.flux.push(cues);
    const stream = await new DeepgramFluxStt({ apiKey: 'dg-test', baseUrl: standIn.baseUrl, resilience: FAST_GUARD, ...options }, quietLog).open();
    streams.push(stream);
    return { stream, events: record(stream), session: standIn.fluxSessions.at(-1)! };
  }

  const endOfTurn = (events: ReturnType<typeof record>) => waitFor(() => ofType(events, 'endOfTurn')[0], { what: 'end of turn' });

  it('is chosen for a flux model: /v2/listen with 16 kHz linear16, eager events asked for only with eager end of turn', async () => {
    const settings = (eagerEndOfTurn: boolean): ParleySettings => ({
      ...DEFAULT_SETTINGS,
      stt: { provider: 'deepgram', model: 'flux-general-en', baseUrl: standIn.baseUrl },
      voice: { ...DEFAULT_SETTINGS.voice, eagerEndOfTurn },
    });
    const keys = new Keys({ DEEPGRAM_API_KEY: 'dg-test' });
    const v1Sessions = standIn.listenSessions.length;
    for (const eager of [false, true]) {
      const stt = createSttStage(settings(eager), keys, quietLog);
      assert.equal(stt.continuous, true, 'Flux hears the whole microphone stream');
      streams.push(await stt.open());
    }
    const [plain, eager] = standIn.fluxSessions.slice(-2).map((session) => session.request);
    assert.equal(plain!.headers.authorization, 'Token dg-test');
    assert.deepEqual(
      [plain!.query.model, plain!.query.encoding, plain!.query.sample_rate, plain!.query.eager_eot_threshold],
      ['flux-general-en', 'linear16', '16000', undefined],
    );
    assert.equal(eager!.query.eager_eot_threshold, '0.5');
    assert.equal(standIn.listenSessions.length, v1Sessions, 'no /v1/listen session');
  });

  it('turns a Flux turn into speechStarted, interims that change, one final and an end of turn from its model', async () => {
    const { stream, events } = await open({}, [
      { atMs: 200, event: 'StartOfTurn' },
      { atMs: 500, event: 'Update', transcript: 'why is' },
      { atMs: 1000, event: 'Update', transcript: 'why is this test' },
      { atMs: 2000, event: 'EndOfTurn', transcript: 'Why is this test failing?' },
    ]);
    await feed(stream, WHY);
    const end = await endOfTurn(events);
    assert.deepEqual(
      events.map((e) => e.type),
      ['speechStarted', 'interim', 'interim', 'final', 'endOfTurn'],
      'repeated Updates add no events',
    );
    assert.deepEqual(
      ofType(events, 'interim').map((e) => e.text),
      ['why is', 'why is this test'],
    );
    assert.deepEqual([end.reason, end.text, end.finalizeMs], ['turnDetection', 'Why is this test failing?', undefined]);
    assert.equal(ofType(events, 'final')[0]!.confidence, 0.97);
    assert.ok(end.audioMs >= 2000 && end.audioMs <= WHY.length / 32, `turn audio ${end.audioMs} ms`);
  });

  it('reports an eager end of turn, a resumed turn and the confirmed end of turn in order', async () => {
    const { stream, events } = await open({ eagerEndOfTurn: true }, [
      { atMs: 700, event: 'EagerEndOfTurn', transcript: 'why is this' },
      { atMs: 1000, event: 'TurnResumed', transcript: 'why is this test' },
      { atMs: 1700, event: 'EagerEndOfTurn', transcript: 'why is this test failing' },
      { atMs: 1900, event: 'EndOfTurn' },
    ]);
    await feed(stream, WHY);
    await endOfTurn(events);
    assert.deepEqual(
      events.filter((e) => e.type !== 'speechStarted').map((e) => [e.type, 'text' in e ? e.text : '']),
      [
        ['interim', 'why is this'],
        ['eagerEndOfTurn', 'why is this'],
        ['turnResumed', 'why is this test'],
        ['interim', 'why is this test'],
        ['interim', 'why is this test failing'],
        ['eagerEndOfTurn', 'why is this test failing'],
        ['final', 'why is this test failing'],
        ['endOfTurn', 'why is this test failing'],
      ],
    );
  });

  it('push-to-talk release sends ForceEndTurn: the turn ends at once with the local reason and its latency', async () => {
    const { stream, events, session } = await open({}, [
      { atMs: 600, event: 'Update', transcript: 'run the tests' },
      { atMs: 5000, event: 'EndOfTurn', transcript: 'never reached' },
    ]);
    await feed(stream, clip('run_tests.wav'));
    await waitFor(() => ofType(events, 'interim').length === 1, { what: 'the interim' });
    stream.endTurn('pushToTalk');
    const end = await endOfTurn(events);
    assert.deepEqual(session.controls, ['ForceEndTurn']);
    assert.deepEqual([end.reason, end.text], ['pushToTalk', 'run the tests']);
    assert.ok(typeof end.finalizeMs === 'number' && end.finalizeMs >= 0);
  });

  it("the VAD's end of speech does not end a Flux turn: Flux decides from the silence that follows", async () => {
    const { stream, events, session } = await open({}, [
      { atMs: 600, event: 'Update', transcript: 'why is this' },
      { atMs: 2200, event: 'EndOfTurn', transcript: 'why is this test failing' },
    ]);
    await feed(stream, WHY.subarray(0, 32 * 1500));
    stream.endTurn('vad');
    await feed(stream, WHY.subarray(32 * 1500));
    const end = await endOfTurn(events);
    assert.deepEqual(session.controls, [], 'no ForceEndTurn');
    assert.deepEqual([end.reason, end.text], ['turnDetection', 'why is this test failing']);
  });

  it('keeps an idle socket open with silence, never with /v1 KeepAlive, past the idle timeout', async () => {
    const idle = await startDeepgramStandIn({ idleTimeoutMs: 300 });
    try {
      const stt = new DeepgramFluxStt({ apiKey: 'k', baseUrl: idle.baseUrl, keepAliveMs: 50, resilience: FAST_GUARD }, quietLog);
      const stream = await stt.open();
      const events = record(stream);
      const session = idle.fluxSessions[0]!;
      await waitFor(() => session.audioMs >= 1_200, { what: '12 silent keep-alives (600 ms idle)', timeoutMs: 5_000 });
      assert.equal(session.closed, undefined, 'the stand-in did not close the idle socket');
      assert.deepEqual(session.controls, []);
      assert.deepEqual(events, []);
      await stream.close();
      assert.deepEqual(await waitFor(() => session.closed, { what: 'socket closed' }), { code: 1005, reason: '' });
      assert.deepEqual(session.controls, ['CloseStream']);
    } finally {
      await idle.close();
    }
  });

  it('close() sends CloseStream and ends quietly: the open turn gets no end of turn and there is no error', async () => {
    const { stream, events, session } = await open({}, [{ atMs: 500, event: 'Update', transcript: 'why is' }]);
    await feed(stream, WHY.subarray(0, 32 * 800));
    await waitFor(() => ofType(events, 'interim').length === 1, { what: 'the interim' });
    await stream.close();
    assert.equal((await waitFor(() => session.closed, { what: 'socket closed' })).code, 1005);
    assert.deepEqual(ofType(events, 'error'), []);
    assert.deepEqual(ofType(events, 'endOfTurn'), []);
    assert.equal(stream.closed, true);
  });

  it("reports Flux's Error message as a fatal error with its code, once", async () => {
    // A TurnResumed with no EagerEndOfTurn before it is not something Flux sends: the stand-in fails the session.
    const { stream, events } = await open({ eagerEndOfTurn: true }, [{ atMs: 300, event: 'TurnResumed', transcript: 'why' }]);
    await feed(stream, WHY.subarray(0, 32 * 600));
    const failure = await waitFor(() => ofType(events, 'error')[0], { what: 'error event' });
    assert.equal(failure.fatal, true);
    assert.equal(failure.error.retryable, false);
    assert.match(failure.error.message, /Deepgram Flux stopped the session \(STAND_IN_SCRIPT\)/);
    await waitFor(() => stream.closed, { what: 'stream closed' });
    stream.push(WHY);
    assert.equal(ofType(events, 'error').length, 1);
  });

  it('a refused handshake (thresholds out of range: 400) rejects open() without retrying', async () => {
    const before = standIn.requests.length;
    await assert.rejects(
      new DeepgramFluxStt({ apiKey: 'dg-test', baseUrl: standIn.baseUrl, eotThreshold: 0.2, resilience: FAST_GUARD }, quietLog).open(),
      (error: Error & { retryable?: boolean }) => {
        assert.equal(error.retryable, false);
        assert.match(error.message, /Deepgram refused the live transcription request \(400\)/);
        return true;
      },
    );
    assert.equal(standIn.requests.length - before, 1);
  });

  it('reports a dropped socket as a fatal, retryable error', async () => {
    standIn.failNext({ kind: 'cut', afterEvents: 2 }, { path: '/v2/listen' });
    const { stream, events } = await open({}, [{ atMs: 300, event: 'Update', transcript: 'why' }]);
    await feed(stream, WHY);
    const failure = await waitFor(() => ofType(events, 'error')[0], { what: 'error event' });
    assert.equal(failure.fatal, true);
    assert.equal(failure.error.retryable, true);
    assert.match(failure.error.message, /Deepgram dropped the connection/);
  });
});
