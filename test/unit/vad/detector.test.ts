import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpeechDetector } from '../../../server/voice/vad/detector';
import type { VadEvent } from '../../../server/voice/vad/events';
import { DEFAULT_VAD_OPTIONS, resolveVadOptions } from '../../../server/voice/vad/options';

const FRAME = 32;

/** Feeds one probability per 32 ms frame; returns the speech events without their wall-clock stamp. */
function run(probabilities: number[], options = {}, flushAtEnd = false) {
  const detector = new SpeechDetector(resolveVadOptions({ minSpeechMs: 96, redemptionMs: 160, preSpeechPadMs: 64, ...options }));
  const events: VadEvent[] = probabilities.flatMap((p, i) => detector.update(p, i * FRAME, (i + 1) * FRAME));
  if (flushAtEnd) events.push(...detector.flush(probabilities.length * FRAME));
  return events.map(({ createdAt: _createdAt, ...rest }) => rest);
}

const speech = (n: number) => Array<number>(n).fill(0.9);
const quiet = (n: number) => Array<number>(n).fill(0.05);

describe('speech detector', () => {
  it('reports speech once minSpeechMs is voiced, back-dated to its first frame, padded, and ends it after the hangover', () => {
    const events = run([...quiet(5), ...speech(6), ...quiet(8)]);
    assert.deepEqual(events, [
      { type: 'speechStart', startMs: 160, paddedStartMs: 96, atMs: 256 },
      { type: 'speechEnd', startMs: 160, endMs: 352, atMs: 512 },
    ]);
  });

  it('ignores a burst shorter than minSpeechMs', () => {
    assert.deepEqual(run([...quiet(3), ...speech(2), ...quiet(10)]), []);
  });

  it('bridges a pause shorter than the hangover', () => {
    const events = run([...speech(4), ...quiet(4), ...speech(4), ...quiet(6)]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['speechStart', 'speechEnd'],
    );
    assert.deepEqual(events[1], { type: 'speechEnd', startMs: 0, endMs: 384, atMs: 544 });
  });

  it('keeps its state through probabilities between the thresholds (hysteresis)', () => {
    const undecided = (n: number) => Array<number>(n).fill(0.4);
    assert.deepEqual(run([...undecided(20)]), [], 'undecided frames never start speech');
    const events = run([...speech(4), ...undecided(20)]);
    assert.deepEqual(
      events.map((e) => e.type),
      ['speechStart'],
      'nor end it',
    );
    const ended = run([...speech(4), ...quiet(2), ...undecided(3)]);
    assert.deepEqual(ended.at(-1), { type: 'speechEnd', startMs: 0, endMs: 128, atMs: 288 }, 'a silence that began still counts');
  });

  it('flush() ends speech in progress at the end of the stream, or where silence began', () => {
    assert.deepEqual(run(speech(5), {}, true).at(-1), { type: 'speechEnd', startMs: 0, endMs: 160, atMs: 160 });
    assert.deepEqual(run([...speech(5), ...quiet(2)], {}, true).at(-1), { type: 'speechEnd', startMs: 0, endMs: 160, atMs: 224 });
    assert.deepEqual(run(speech(2), {}, true), [], 'an unconfirmed burst ends silently');
  });

  it('does not pad before the start of the stream', () => {
    assert.equal((run(speech(4))[0] as { paddedStartMs: number }).paddedStartMs, 0);
  });

  it('validates its options', () => {
    assert.deepEqual(resolveVadOptions(), DEFAULT_VAD_OPTIONS);
    assert.throws(() => resolveVadOptions({ positiveThreshold: 1.5 }), RangeError);
    assert.throws(() => resolveVadOptions({ negativeThreshold: 0.6 }), /negativeThreshold/);
    assert.throws(() => resolveVadOptions({ redemptionMs: -1 }), /redemptionMs/);
    assert.throws(() => resolveVadOptions({ minSpeechMs: Number.NaN }), /minSpeechMs/);
  });
});
