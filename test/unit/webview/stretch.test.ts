/**
 * Time-stretching the voice ("slower", "faster"): the length changes by the rate and the pitch
 * does not, and a piece begins and ends on the input's own samples so pieces join.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stretch } from '../../../webview/audio/stretch';

const RATE = 24_000;

/** `seconds` of a `hz` tone whose loudness swells and falls, as a voiced vowel's does. */
function tone(hz: number, seconds: number): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * RATE) },
    (_, i) => (0.3 + 0.2 * Math.sin((2 * Math.PI * 3 * i) / RATE)) * Math.sin((2 * Math.PI * hz * i) / RATE),
  );
}

/** The tone's frequency, from its upward zero crossings. */
function pitch(samples: Float32Array): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
  return crossings / (samples.length / RATE);
}

/** How far the output strays from a pure tone: the mean jump between neighbouring samples, against the input's. */
function roughness(samples: Float32Array): number {
  let sum = 0;
  for (let i = 2; i < samples.length; i++) sum += Math.abs(samples[i]! - 2 * samples[i - 1]! + samples[i - 2]!);
  return sum / samples.length;
}

describe('stretching speech', () => {
  for (const rate of [0.7, 0.9, 1.15, 1.5]) {
    it(`at ${rate}× plays in 1/${rate} of the time at the same pitch`, () => {
      const input = tone(180, 2);
      const output = stretch(input, RATE, rate);
      assert.equal(output.length, Math.round(input.length / rate));
      assert.ok(Math.abs(pitch(output) - 180) < 180 * 0.03, `pitch ${pitch(output).toFixed(1)} Hz`);
      assert.ok(roughness(output) < roughness(input) * 1.5, 'frames join without clicks');
      assert.equal(output[0], input[0]);
      assert.ok(Math.abs(output.at(-1)! - input.at(-1)!) < 1e-6, 'it ends on the input’s last sample');
    });
  }

  it('leaves audio at 1× as it is, and draws out or squeezes a piece too short to find periods in', () => {
    const input = tone(180, 0.5);
    assert.equal(stretch(input, RATE, 1), input);
    const short = tone(180, 0.03);
    assert.equal(stretch(short, RATE, 0.8).length, Math.round(short.length / 0.8));
    assert.equal(stretch(new Float32Array(0), RATE, 1.3).length, 1);
  });
});
