/**
 * Sinks report when an answer has played out and how much of it was heard: the clock sink by its
 * own timer, the live sink from the page's playback reports (with the server's clock for a page
 * that sends none), and the playback frame a page sends is checked before it reaches a sink.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerFrame } from '../../../protocol/live';
import { parseClientFrame } from '../../../server/live/frames';
import type { LiveClient } from '../../../server/live/server';
import { ClockSink } from '../../../server/voice/playback/clockSink';
import { LiveSink, REPORT_GRACE_MS } from '../../../server/voice/playback/liveSink';

/** `ms` of silence at 16 kHz. */
const audio = (ms: number) => new Int16Array((ms * 16_000) / 1000);

function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  void promise.then(() => (flag.settled = true));
  return flag;
}

/** Lets promise callbacks run (mocked timers do not advance microtasks). */
const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('the clock sink', () => {
  it('plays at the rate it is set to, what is queued included', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const sink = new ClockSink(false, () => Date.now());
    sink.startAnswer();
    sink.play(audio(1_000), 16_000);
    const flag = settledFlag(sink.waitForPlayout());
    t.mock.timers.tick(200);
    sink.setRate(0.5);
    t.mock.timers.tick(400);
    assert.equal(Math.round(sink.playedMs()), 400, '200 ms at 1× and 400 ms at 0.5×');
    t.mock.timers.tick(1_100);
    await microtasks();
    assert.equal(flag.settled, false, '600 ms of audio left take 1.2 s at 0.5×');
    t.mock.timers.tick(100);
    await microtasks();
    assert.equal(flag.settled, true);
    assert.equal(Math.round(sink.playedMs()), 1_000);
  });

  it('reports the playout when its timer finds the queue played, not before, and not while paused', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const sink = new ClockSink(false, () => Date.now());
    sink.startAnswer();
    sink.play(audio(500), 16_000);
    const playout = sink.waitForPlayout();
    const flag = settledFlag(playout);
    t.mock.timers.tick(200);
    sink.pause();
    t.mock.timers.tick(1_000);
    await microtasks();
    assert.equal(flag.settled, false, 'paused, the answer has not played out');
    assert.equal(sink.playedMs(), 200);
    sink.resume();
    t.mock.timers.tick(299);
    await microtasks();
    assert.equal(flag.settled, false);
    t.mock.timers.tick(1);
    assert.deepEqual(await playout, { playedMs: 500, interrupted: false });
  });

  it('reports a stopped answer at once, interrupted, with what had played', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const sink = new ClockSink(false, () => Date.now());
    sink.startAnswer();
    sink.play(audio(500), 16_000);
    const playout = sink.waitForPlayout();
    t.mock.timers.tick(120);
    sink.stop();
    assert.deepEqual(await playout, { playedMs: 120, interrupted: true });
    assert.deepEqual(await sink.waitForPlayout(), { playedMs: 120, interrupted: true }, 'nothing queued: at once');
  });
});

/** A page on the other end of a live sink: what the server sent it, and a way to report playback. */
function page() {
  const sent: ServerFrame[] = [];
  const client: LiveClient = { send: (frame) => sent.push(frame), sendBinary: () => undefined };
  const answer = () => {
    const start = sent.findLast((frame) => frame.type === 'playback' && frame.action === 'start');
    return start?.type === 'playback' && start.action === 'start' ? start.answer : -1;
  };
  const report = (playedMs: number, state: 'playing' | 'paused' | 'done') => client.onPlayback?.({ type: 'playback', answer: answer(), playedMs, state });
  return { client, sent, report };
}

describe('the live sink', () => {
  it('tells the page a new rate, and advances what was heard between reports at that rate', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { client, sent, report } = page();
    const sink = new LiveSink(client, () => Date.now());
    sink.startAnswer();
    sink.play(audio(2_000), 16_000);
    t.mock.timers.tick(100);
    report(100, 'playing');
    t.mock.timers.tick(100);
    sink.setRate(1.5);
    assert.deepEqual(sent.at(-1), { type: 'playback', action: 'rate', rate: 1.5 });
    t.mock.timers.tick(200);
    assert.equal(sink.playedMs(), 500, '200 ms at 1×, then 200 ms at 1.5×');
  });

  it('announces each answer and takes what was heard from the page, advanced between its reports', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { client, sent, report } = page();
    const sink = new LiveSink(client, () => Date.now());
    sink.startAnswer();
    assert.deepEqual(sent.at(-1), { type: 'playback', action: 'start', answer: 1 });
    sink.play(audio(1_000), 16_000);
    // The page started late: after 300 ms on the server's clock it has played 100 ms.
    t.mock.timers.tick(300);
    report(100, 'playing');
    t.mock.timers.tick(50);
    assert.equal(sink.playedMs(), 150);
    sink.pause();
    t.mock.timers.tick(500);
    report(160, 'paused');
    assert.equal(sink.playedMs(), 160, 'the paused position is the page’s');
    const playout = sink.waitForPlayout();
    sink.stop();
    report(160, 'done');
    assert.deepEqual(await playout, { playedMs: 160, interrupted: true });
    assert.deepEqual(sent.slice(-2), [
      { type: 'playback', action: 'pause' },
      { type: 'playback', action: 'stop' },
    ]);
  });

  it('plays out when the page says it played everything sent, not on a dry spell before the rest came', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { client, report } = page();
    const sink = new LiveSink(client, () => Date.now());
    sink.startAnswer();
    sink.play(audio(200), 16_000);
    t.mock.timers.tick(250);
    report(200, 'done');
    sink.play(audio(300), 16_000);
    const flag = settledFlag(sink.waitForPlayout());
    await microtasks();
    assert.equal(flag.settled, false, 'a stale done does not cover the audio sent after it');
    assert.equal(sink.playing, true);
    t.mock.timers.tick(100);
    report(300, 'playing');
    t.mock.timers.tick(200);
    report(500, 'done');
    await microtasks();
    assert.equal(flag.settled, true);
    assert.equal(sink.playing, false);
    assert.equal(sink.playedMs(), 500);
  });

  it('waits at most a grace past its clock for a page whose reports stopped', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { client, report } = page();
    const sink = new LiveSink(client, () => Date.now());
    sink.startAnswer();
    sink.play(audio(400), 16_000);
    report(0, 'playing');
    const playout = sink.waitForPlayout();
    const flag = settledFlag(playout);
    t.mock.timers.tick(400);
    await microtasks();
    t.mock.timers.tick(REPORT_GRACE_MS - 10);
    await microtasks();
    assert.equal(flag.settled, false, 'the page is given its grace');
    t.mock.timers.tick(10);
    await microtasks();
    assert.deepEqual(await playout, { playedMs: 400, interrupted: false });
  });

  it('times a page that never reports by the server clock, as before', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { client } = page();
    const sink = new LiveSink(client, () => Date.now());
    sink.startAnswer();
    sink.play(audio(300), 16_000);
    const playout = sink.waitForPlayout();
    t.mock.timers.tick(300);
    assert.deepEqual(await playout, { playedMs: 300, interrupted: false });
  });

  it('ignores reports about an earlier answer, and a pause report that comes after the stop', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const { client, report } = page();
    const sink = new LiveSink(client, () => Date.now());
    sink.startAnswer();
    sink.play(audio(300), 16_000);
    report(50, 'paused');
    sink.stop();
    report(50, 'done');
    report(40, 'paused');
    assert.equal(sink.playedMs(), 50);
    sink.startAnswer();
    client.onPlayback?.({ type: 'playback', answer: 1, playedMs: 900, state: 'playing' });
    assert.equal(sink.playedMs(), 0, 'the old answer’s report is not this one’s');
  });
});

describe('the playback frame', () => {
  it('is accepted with an answer, a played time and a state, and refused otherwise', () => {
    assert.deepEqual(parseClientFrame('{"type":"playback","answer":2,"playedMs":812.5,"state":"done"}'), {
      ok: true,
      frame: { type: 'playback', answer: 2, playedMs: 812.5, state: 'done' },
    });
    for (const bad of [
      { answer: -1, playedMs: 0, state: 'done' },
      { answer: 1, playedMs: -5, state: 'done' },
      { answer: 1, playedMs: Number.MAX_VALUE, state: 'done' },
      { answer: 1, playedMs: 10, state: 'stopped' },
      { answer: '1', playedMs: 10, state: 'playing' },
    ]) {
      const parsed = parseClientFrame(JSON.stringify({ type: 'playback', ...bad }));
      assert.equal(parsed.ok, false, JSON.stringify(bad));
    }
  });
});
