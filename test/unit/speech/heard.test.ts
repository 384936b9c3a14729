import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heardText, splitLong } from '../../../server/voice/speech';

const segments = [
  { text: 'The test fails.', audioMs: 1000 },
  { text: 'The mock returns null instead of a string.', audioMs: 2000 },
];

describe('what was heard before a barge-in', () => {
  const cases: { playedMs: number; text: string; complete: boolean }[] = [
    { playedMs: 0, text: '', complete: false },
    { playedMs: 999, text: 'The test', complete: false },
    { playedMs: 1000, text: 'The test fails.', complete: false },
    { playedMs: 2000, text: 'The test fails. The mock returns null', complete: false },
    { playedMs: 2990, text: 'The test fails. The mock returns null instead of a', complete: false },
    { playedMs: 3000, text: 'The test fails. The mock returns null instead of a string.', complete: true },
    { playedMs: 99_999, text: 'The test fails. The mock returns null instead of a string.', complete: true },
  ];
  for (const { playedMs, text, complete } of cases) {
    it(`after ${playedMs} ms of playback`, () => assert.deepEqual(heardText(segments, playedMs), { text, complete }));
  }

  it('is complete with nothing to play', () => assert.deepEqual(heardText([], 0), { text: '', complete: true }));
});

describe('cutting text too long for one request', () => {
  const cases: { text: string; max: number; pieces: string[] }[] = [
    { text: 'short', max: 10, pieces: ['short'] },
    { text: 'one two three four', max: 9, pieces: ['one two', 'three', 'four'] },
    { text: 'abcdefghij', max: 4, pieces: ['abcd', 'efgh', 'ij'] },
    { text: '   ', max: 4, pieces: [] },
  ];
  for (const { text, max, pieces } of cases) it(`"${text}" at ${max}`, () => assert.deepEqual(splitLong(text, max), pieces));
});
