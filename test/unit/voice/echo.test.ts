/**
 * Telling Parley's own voice in the microphone from the user's: the correlation of the microphone
 * with what is playing finds a delayed, quieter copy at any delay up to ECHO_MAX_DELAY_MS, and
 * not another voice, alone or on top of the echo; and the words check takes back the answer's own
 * words, in order, and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ECHO_LIKENESS, ECHO_MAX_DELAY_MS, matchEcho, ownWords, PlaybackReference } from '../../../server/voice/echo';

/** The likeness `matchEcho` finds; 0 when it finds nothing to compare. */
const echoLikeness = (...args: Parameters<typeof matchEcho>) => matchEcho(...args)?.likeness ?? 0;

/** A voice-like signal: noise shaped by a slow envelope, seeded so every run is the same. */
function voice(seconds: number, seed: number, sampleRate = 16_000): Int16Array {
  // mulberry32
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
  let smooth = 0;
  return Int16Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => {
    smooth = 0.7 * smooth + 0.3 * random();
    return Math.round(8_000 * smooth * (0.6 + 0.4 * Math.sin((2 * Math.PI * 4 * i) / sampleRate)));
  });
}

/** What the microphone hears up to `atMs` of playback: the answer `delayMs` late at `gain`, plus `other` if given. */
function microphone(answer: Int16Array, atMs: number, delayMs: number, gain: number, other?: Int16Array): Buffer {
  const end = Math.round((atMs * 16_000) / 1000);
  const delay = Math.round((delayMs * 16_000) / 1000);
  const samples = Int16Array.from({ length: end }, (_, i) => {
    const echo = i - delay >= 0 ? gain * answer[i - delay]! : 0;
    return Math.max(-32768, Math.min(32767, Math.round(echo + (other ? other[i]! : 0))));
  });
  return Buffer.from(samples.buffer);
}

describe('the answer’s echo in the microphone', () => {
  const answer = voice(3, 7);
  const user = voice(3, 99);
  const reference = new PlaybackReference();
  // The voice's own rate, to be brought down to the comparison's.
  reference.append(voice(3, 7, 16_000), 16_000);

  for (const delayMs of [20, 120, 250, ECHO_MAX_DELAY_MS - 50])
    for (const gain of [0.5, 0.1])
      it(`is found ${delayMs} ms late at ${gain} of the answer’s level`, () => {
        const likeness = echoLikeness(microphone(answer, 2_000, delayMs, gain), reference, 2_000);
        assert.ok(likeness >= ECHO_LIKENESS, `likeness ${likeness.toFixed(2)}`);
      });

  it('is not found in another voice, alone or over the echo, nor in silence', () => {
    for (const [what, mic] of [
      ['another voice', microphone(answer, 2_000, 120, 0, user)],
      ['another voice over the echo', microphone(answer, 2_000, 120, 0.3, user)],
      ['silence', Buffer.alloc(6_400)],
    ] as const) {
      const likeness = echoLikeness(mic, reference, 2_000);
      assert.ok(likeness < ECHO_LIKENESS, `${what}: likeness ${likeness.toFixed(2)}`);
    }
  });

  it('finds nothing to compare before the answer has played enough', () => {
    assert.equal(echoLikeness(microphone(answer, 2_000, 120, 0.5), new PlaybackReference(), 2_000), 0);
  });

  it('keeps audio at another rate at the comparison’s, from zero for each answer', () => {
    const other = new PlaybackReference();
    other.append(new Int16Array(24_000), 24_000);
    assert.equal(Math.round(other.ms), 1_000);
    other.reset();
    assert.equal(other.ms, 0);
  });
});

describe('the answer’s own words heard back', () => {
  const said = 'The test fails because the list is empty when the parser reads the file.';
  it('are the answer’s words in its order, most of them', () => {
    assert.equal(ownWords('the test fails because the list is empty', said), true);
    assert.equal(ownWords('test fails because a list is empty', said), true);
  });

  it('are not a question that reuses a few of them, nor one or two words', () => {
    assert.equal(ownWords('why is the list empty', said), false);
    assert.equal(ownWords('stop', said), false);
    assert.equal(ownWords('the test', said), false);
    assert.equal(ownWords('what does the parser do with a missing file', said), false);
  });
});
