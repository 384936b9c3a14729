/**
 * Speech played faster or slower at its own pitch ("slower", "faster"): WSOLA, waveform-similarity
 * overlap-add (Verhelst and Roelands, 1993). The output is built from overlapping frames of the
 * input, laid a fixed hop apart; each next frame is taken about `rate` hops further on in the input,
 * moved within a small window to where it best continues the frame before it (the highest
 * correlation with what followed that frame in the input), so periods line up and nothing warbles.
 *
 * The output is `round(length / rate)` samples long, and starts and ends on the input's own first
 * and last samples, so pieces stretched one by one join where the input joined.
 */

const FRAME_MS = 30;
const SEEK_MS = 8;
/** Inputs shorter than this many frames are resampled instead: too short to find periods in. */
const MIN_FRAMES = 3;

export function stretch(input: Float32Array, sampleRate: number, rate: number): Float32Array {
  const length = Math.max(1, Math.round(input.length / rate));
  if (Math.abs(rate - 1) < 1e-6) return input;
  const frame = 2 * Math.round((FRAME_MS / 1000) * sampleRate * 0.5);
  if (input.length < MIN_FRAMES * frame || length < MIN_FRAMES * frame) return resample(input, length);
  const hop = frame / 2;
  const seek = Math.round((SEEK_MS / 1000) * sampleRate);
  const window = Float32Array.from({ length: frame }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frame));
  const output = new Float32Array(length);
  const weight = new Float32Array(length);
  const lastAt = length - frame;
  const lastFrom = input.length - frame;
  let from = 0;
  for (let at = 0; at <= lastAt; at += hop) {
    // The last frame is the input's own end, so the output ends where the input does.
    const final = at + hop > lastAt;
    const place = final ? lastAt : at;
    if (place > 0 && !final) from = bestFrom(input, from + hop, Math.round(place * rate), seek, frame, lastFrom);
    if (final) from = lastFrom;
    for (let i = 0; i < frame; i++) {
      // The first frame's start and the last frame's end stand alone: full weight there.
      const w = (place === 0 && i < hop) || (final && i >= hop) ? 1 : window[i]!;
      output[place + i]! += w * input[from + i]!;
      weight[place + i]! += w;
    }
  }
  for (let i = 0; i < length; i++) if (weight[i]! > 1e-6) output[i]! /= weight[i]!;
  return output;
}

/**
 * Where near `nominal` in the input the next frame best continues the one before, whose natural
 * continuation starts at `follows`: the offset within ±seek with the highest normalised
 * correlation over the frames' overlapping half, every other sample (enough for speech).
 */
function bestFrom(input: Float32Array, follows: number, nominal: number, seek: number, frame: number, lastFrom: number): number {
  const overlap = frame / 2;
  const low = Math.max(0, nominal - seek);
  const high = Math.min(lastFrom, nominal + seek);
  const ahead = Math.min(follows, lastFrom);
  let best = Math.min(Math.max(nominal, 0), lastFrom);
  let bestScore = -Infinity;
  for (let candidate = low; candidate <= high; candidate++) {
    let dot = 0;
    let energy = 1e-9;
    for (let i = 0; i < overlap; i += 2) {
      const x = input[candidate + i]!;
      dot += x * input[ahead + i]!;
      energy += x * x;
    }
    const score = dot / Math.sqrt(energy);
    if (score > bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return best;
}

/** `input` drawn out or squeezed to `length` samples by linear interpolation. */
function resample(input: Float32Array, length: number): Float32Array {
  const output = new Float32Array(length);
  if (input.length === 0) return output;
  const scale = length > 1 ? (input.length - 1) / (length - 1) : 0;
  for (let i = 0; i < length; i++) {
    const x = i * scale;
    const left = Math.floor(x);
    const right = Math.min(input.length - 1, left + 1);
    output[i] = input[left]! + (input[right]! - input[left]!) * (x - left);
  }
  return output;
}
