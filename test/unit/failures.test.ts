/**
 * Which failures Parley offers to ask about (extension/failures.ts): once per failure within the
 * dedupe window, again after that task or command succeeded, never with the setting off; a jump
 * of at least three errors within seconds of a save, once per save.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEDUPE_WINDOW_MS, ERRORS_JUMP, ErrorJumps, FailureOffers, SAVE_WINDOW_MS, keepTail, offerText, type NoticedFailure } from '../../extension/failures';

const testTask: NoticedFailure = { kind: 'task', name: 'test', exitCode: 1, problems: [] };

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let at = start;
  return { now: () => at, advance: (ms) => void (at += ms) };
}

describe('failure offers', () => {
  it('offers a failed task once, not again when it fails again within the window, and again after it', () => {
    const time = clock();
    const offers = new FailureOffers(() => true, time.now);
    assert.equal(offers.decide(testTask), 'offer');
    time.advance(60_000);
    assert.equal(offers.decide(testTask), 'repeat', 'the same task failing a minute later was offered again');
    assert.equal(offers.decide({ kind: 'task', name: 'build' }), 'offer', 'another task is another failure');
    assert.equal(offers.decide({ kind: 'command', name: 'test' }), 'offer', 'a command named like the task is another failure');
    time.advance(DEDUPE_WINDOW_MS);
    assert.equal(offers.decide(testTask), 'offer', 'the window passed');
  });

  it('offers a failure again once the same task succeeded in between', () => {
    const time = clock();
    const offers = new FailureOffers(() => true, time.now);
    assert.equal(offers.decide(testTask), 'offer');
    offers.succeeded('task', 'build');
    assert.equal(offers.decide(testTask), 'repeat', 'another task succeeding cleared this one');
    offers.succeeded('task', 'test');
    time.advance(1_000);
    assert.equal(offers.decide(testTask), 'offer');
  });

  it('offers nothing while the setting is off, and does not count what it did not offer', () => {
    let enabled = false;
    const offers = new FailureOffers(() => enabled, clock().now);
    assert.equal(offers.decide(testTask), 'off');
    assert.equal(offers.decide({ kind: 'command', name: 'npm test' }), 'off');
    enabled = true;
    assert.equal(offers.decide(testTask), 'offer', 'a failure seen while the setting was off blocked the next offer');
  });
});

describe('errors in Problems after a save', () => {
  it(`a jump of ${ERRORS_JUMP} errors within the window after a save → one jump; the same count again → none`, () => {
    const jumps = new ErrorJumps();
    jumps.saved('file:///w/a.ts', 1, 0);
    assert.equal(jumps.changed(1 + ERRORS_JUMP - 1, 100), undefined, 'two new errors are not a jump');
    assert.deepEqual(jumps.changed(1 + ERRORS_JUMP, 200), { file: 'file:///w/a.ts', before: 1, after: 1 + ERRORS_JUMP });
    assert.equal(jumps.changed(1 + ERRORS_JUMP + 5, 300), undefined, 'one save gave two jumps');
  });

  it('no jump without a save, nor after the window', () => {
    const jumps = new ErrorJumps();
    assert.equal(jumps.changed(50, 0), undefined);
    jumps.saved('file:///w/a.ts', 0, 0);
    assert.equal(jumps.changed(10, SAVE_WINDOW_MS + 1), undefined);
    assert.equal(jumps.changed(10, SAVE_WINDOW_MS + 2), undefined);
  });

  it('counts errors typed before the save from the first change since the last save', () => {
    const jumps = new ErrorJumps();
    // One error was there when the user began typing; the language server reported three more as they typed.
    jumps.edited(() => 1);
    jumps.edited(() => assert.fail('the count is asked for again before the save: edits run on every keystroke'));
    assert.equal(jumps.changed(4, 0), undefined, 'errors while typing, before the save, offer nothing');
    jumps.edited(() => 4);
    assert.deepEqual(jumps.saved('file:///w/a.ts', 4, 100), { file: 'file:///w/a.ts', before: 1, after: 4 });
    // An edit that keeps the errors, saved: no jump.
    jumps.edited(() => 4);
    assert.equal(jumps.saved('file:///w/a.ts', 4, 100 + SAVE_WINDOW_MS * 2), undefined);
    assert.equal(jumps.changed(4, 200 + SAVE_WINDOW_MS * 2), undefined);
    // A save without an edit since the last counts from its own moment.
    assert.equal(jumps.saved('file:///w/a.ts', 9, 100 + SAVE_WINDOW_MS * 4), undefined);
    jumps.edited(() => 9);
    assert.deepEqual(jumps.saved('file:///w/a.ts', 12, 100 + SAVE_WINDOW_MS * 6), { file: 'file:///w/a.ts', before: 9, after: 12 });
  });

  it('saves in quick succession keep the count before the first (auto-save), and name the last file', () => {
    const jumps = new ErrorJumps();
    jumps.saved('file:///w/a.ts', 0, 0);
    jumps.saved('file:///w/b.ts', 2, 300);
    assert.deepEqual(jumps.changed(3, 400), { file: 'file:///w/b.ts', before: 0, after: 3 });
    // A save long after starts from its own count.
    jumps.saved('file:///w/a.ts', 3, SAVE_WINDOW_MS * 3);
    assert.equal(jumps.changed(5, SAVE_WINDOW_MS * 3 + 10), undefined);
  });
});

describe('what the offer says', () => {
  it('names the task, the command or the file, with the exit code or the number of new errors', () => {
    assert.equal(offerText(testTask), 'The "test" task failed (exit 1). Ask Parley?');
    assert.equal(offerText({ kind: 'command', name: 'npm   run\nlint', exitCode: 2, problems: [] }), '`npm run lint` failed (exit 2). Ask Parley?');
    assert.equal(offerText({ kind: 'problems', name: 'src/deep/a.ts', newErrors: 4, problems: [] }), '4 new errors after saving a.ts. Ask Parley?');
    const long = offerText({ kind: 'command', name: `node -e "${'x'.repeat(200)}"`, exitCode: 1, problems: [] });
    assert.ok(long.length < 80, long);
  });

  it('keeps the end of a stream of output within its bound', () => {
    let tail = '';
    for (let i = 0; i < 1_000; i++) tail = keepTail(tail, `line ${i}\n`, 100);
    assert.equal(tail.length, 100);
    assert.ok(tail.endsWith('line 999\n'));
  });
});
