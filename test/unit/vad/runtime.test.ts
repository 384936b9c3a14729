/**
 * The Silero VAD on its two runtimes: onnxruntime-node where its addon exists, onnxruntime-web's
 * WebAssembly where it does not (Intel Macs). The WebAssembly one must hear the same speech at
 * the same moments, frame for frame.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeWav } from '../../../server/audio/wav';
import type { VadEvent } from '../../../server/voice/vad/events';
import { onnxRuntime } from '../../../server/onnx';
import { SileroVad } from '../../../server/voice/vad/silero';
import { REPO } from '../../support/paths';

const AUDIO = join(REPO, '..', 'shared', 'audio');
const clip = (name: string) => decodeWav(readFileSync(join(AUDIO, name))).pcm;

async function analyse(vad: SileroVad, pcm: Buffer): Promise<VadEvent[]> {
  const events: VadEvent[] = [];
  for (let offset = 0; offset < pcm.length; offset += 640) events.push(...(await vad.push(pcm.subarray(offset, offset + 640))));
  events.push(...(await vad.flush()));
  await vad.reset();
  return events;
}

describe('Silero VAD runtimes', () => {
  let native: SileroVad;
  let web: SileroVad;
  before(async () => {
    native = await SileroVad.load({ runtime: 'onnxruntime-node' });
    web = await SileroVad.load({ runtime: 'onnxruntime-web' });
  });
  after(async () => {
    await native.close();
    await web.close();
  });

  it('uses onnxruntime-node where its addon is there, and says which runtime it runs on', () => {
    assert.equal(onnxRuntime(), 'onnxruntime-node');
    assert.equal(onnxRuntime(join(REPO, 'dist', 'native')), 'onnxruntime-node');
    assert.deepEqual([native.runtime, web.runtime], ['onnxruntime-node', 'onnxruntime-web']);
  });

  for (const file of ['dialogue.wav', 'dialogue_noisy.wav']) {
    it(`onnxruntime-web hears ${file} as onnxruntime-node does`, async () => {
      const [expected, actual] = [await analyse(native, clip(file)), await analyse(web, clip(file))];
      // Everything but createdAt, the wall-clock time each event was made.
      const decisions = (events: VadEvent[]) => events.filter((e) => e.type !== 'frame').map(({ createdAt: _createdAt, ...event }) => event);
      assert.deepEqual(decisions(actual), decisions(expected));
      const probabilities = (events: VadEvent[]) => events.flatMap((e) => (e.type === 'frame' ? [e.probability] : []));
      const [a, b] = [probabilities(actual), probabilities(expected)];
      assert.equal(a.length, b.length);
      assert.ok(
        a.every((p, i) => Math.abs(p - b[i]!) < 1e-4),
        'per-frame probabilities within 1e-4',
      );
    });
  }
});
