/** A session's time limit on a clock the test controls: the warning 5 minutes before, the end, a restart, no limit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionTimer, type SessionTimeState, type TimerClock } from '../../../server/sessions/timer';

/** Timers that fire only when the test moves the clock on. */
function controlledClock(start: number): TimerClock & { advance(ms: number): void } {
  let now = start;
  let next = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  return {
    now: () => now,
    setTimeout: (run, ms) => {
      timers.set(++next, { at: now + ms, run });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = until;
    },
  };
}

const MINUTE = 60_000;

function timed(clock: TimerClock) {
  const heard: [SessionTimeState, number | null, number][] = [];
  const timer = new SessionTimer(clock, (state, endsAt) => heard.push([state, endsAt, clock.now()]));
  return { timer, heard };
}

describe('SessionTimer', () => {
  it('runs, warns 5 minutes before the end, and ends at the limit', () => {
    const clock = controlledClock(1_000_000);
    const { timer, heard } = timed(clock);
    timer.start(1_000_000, 60 * MINUTE);
    const end = 1_000_000 + 60 * MINUTE;
    clock.advance(54 * MINUTE);
    assert.deepEqual(heard, [['running', end, 1_000_000]]);
    clock.advance(MINUTE);
    assert.deepEqual(heard.at(-1), ['warning', end, end - 5 * MINUTE]);
    clock.advance(5 * MINUTE);
    assert.deepEqual(heard.at(-1), ['ended', end, end]);
    assert.equal(timer.state, 'ended');
    clock.advance(60 * MINUTE);
    assert.equal(heard.length, 3, 'nothing after the end');
  });

  it('picks up a session already under way: in its last minutes it warns at once, past its end it has ended', () => {
    const clock = controlledClock(10 * MINUTE);
    const late = timed(clock);
    late.timer.start(0, 12 * MINUTE);
    assert.deepEqual(late.heard, [['warning', 12 * MINUTE, 10 * MINUTE]]);
    const over = timed(clock);
    over.timer.start(0, 5 * MINUTE);
    assert.deepEqual(over.heard, [['ended', 5 * MINUTE, 10 * MINUTE]]);
  });

  it('without a limit never ends, and a new session replaces the old one’s timers', () => {
    const clock = controlledClock(0);
    const { timer, heard } = timed(clock);
    timer.start(0, 10 * MINUTE);
    timer.start(0, undefined);
    clock.advance(24 * 60 * MINUTE);
    assert.deepEqual(heard.at(-1), ['running', null, 0]);
    assert.equal(timer.state, 'running');
    assert.equal(heard.filter(([state]) => state !== 'running').length, 0, 'the first session’s timers were cleared');
  });
});
