/**
 * The webview's player reports to the server how much of the announced answer it has played, by
 * its audio clock: as chunks end (not more often than PLAYBACK_REPORT_MS), when its queue runs
 * dry, once paused, and with the position it stopped at. Runs on a fake audio context.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Playback, type PlaybackReport } from '../../../webview/audio/playback';
import { FakeAudioContext } from '../../support/fakes/audioContext';

/** `ms` of audio at 16 kHz. */
const chunk = (ms: number) => new Int16Array((ms * 16_000) / 1000);
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('webview playback reports', () => {
  const globals = globalThis as { AudioContext?: unknown };
  let reports: PlaybackReport[];
  let playback: Playback;
  const context = () => FakeAudioContext.last!;
  const last = () => reports.at(-1);

  beforeEach(() => {
    globals.AudioContext = FakeAudioContext;
    reports = [];
    playback = new Playback((report) => reports.push(report));
  });
  afterEach(() => delete globals.AudioContext);

  it('reports the answer’s played time as chunks end, and done when the queue runs dry', () => {
    playback.command({ type: 'playback', action: 'start', answer: 7 });
    playback.play(chunk(100), 16_000);
    playback.play(chunk(100), 16_000);
    // Chunks start 20 ms ahead of the clock.
    context().advance(120);
    assert.equal(last()?.answer, 7);
    assert.equal(last()?.state, 'playing');
    assert.ok(Math.abs(last()!.playedMs - 100) < 1e-6);
    context().advance(100);
    assert.equal(last()?.state, 'done');
    assert.ok(Math.abs(last()!.playedMs - 200) < 1e-6);
  });

  it('reports while playing at most every PLAYBACK_REPORT_MS', () => {
    playback.command({ type: 'playback', action: 'start', answer: 1 });
    for (let i = 0; i < 20; i++) playback.play(chunk(20), 16_000);
    // 19 chunk ends in this stretch of wall-clock time: one report.
    context().advance(20 + 19 * 20);
    assert.equal(reports.filter((report) => report.state === 'playing').length, 1);
  });

  it('reports where it paused once suspended, and where it stopped', async () => {
    playback.command({ type: 'playback', action: 'start', answer: 2 });
    playback.play(chunk(500), 16_000);
    context().advance(20 + 150);
    playback.pause();
    await flush();
    assert.equal(last()?.state, 'paused');
    assert.ok(Math.abs(last()!.playedMs - 150) < 1e-6);
    context().advance(300);
    playback.stop();
    assert.equal(last()?.state, 'done');
    assert.ok(Math.abs(last()!.playedMs - 150) < 1e-6, 'nothing played while paused');
  });

  it('does not report a pause that a stop overtook, nor before an answer was announced', async () => {
    playback.play(chunk(100), 16_000);
    context().advance(200);
    assert.equal(reports.length, 0, 'no answer announced: nothing to report');
    playback.command({ type: 'playback', action: 'start', answer: 3 });
    playback.play(chunk(100), 16_000);
    playback.pause();
    playback.stop();
    await flush();
    assert.deepEqual(
      reports.map((report) => report.state),
      ['done'],
    );
  });

  it('at a new rate re-stretches the chunks not yet begun, and reports the answer’s own time', async () => {
    playback.command({ type: 'playback', action: 'start', answer: 4 });
    playback.play(chunk(100), 16_000);
    playback.play(chunk(100), 16_000);
    context().advance(20 + 50);
    playback.command({ type: 'playback', action: 'rate', rate: 0.5 });
    playback.play(chunk(100), 16_000);
    // The first chunk plays out as it began; the second and the new third take twice as long.
    context().advance(50 + 100);
    playback.pause();
    await flush();
    assert.equal(last()?.state, 'paused');
    assert.ok(Math.abs(last()!.playedMs - 150) < 0.1, `half of the slowed second chunk: ${last()!.playedMs}`);
    playback.resume();
    await flush();
    context().advance(100 + 200);
    assert.equal(last()?.state, 'done');
    assert.ok(Math.abs(last()!.playedMs - 300) < 0.1, 'all three chunks, in their own time');
    assert.equal(playback.receivedMs, 300);
  });
});
