import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeWav, WavError, WavReader } from '../../../server/audio/wav';
import { tone } from '../../support/standins';

/** Feeds a file in pieces of `size` bytes and returns all audio bytes read back. */
function readInPieces(file: Buffer, size: number): { pcm: Buffer; reader: WavReader } {
  const reader = new WavReader();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < file.length; i += size) parts.push(reader.push(file.subarray(i, i + size)));
  reader.end();
  return { pcm: Buffer.concat(parts), reader };
}

/** A header the way `espeak-ng --stdout` writes it while it does not know the length yet. */
function streamingWav(pcm: Buffer, sampleRate: number): Buffer {
  const wav = encodeWav(pcm, sampleRate);
  wav.writeUInt32LE(0x7ffff024, 4);
  wav.writeUInt32LE(0x7ffff000, 40);
  return wav;
}

describe('reading a streamed WAV', () => {
  const pcm = tone({ ms: 50, sampleRate: 22_050 });

  for (const size of [1, 3, 44, 45, 4096]) {
    it(`returns exactly the audio when the file arrives in pieces of ${size} bytes`, () => {
      const { pcm: read, reader } = readInPieces(encodeWav(pcm, 22_050), size);
      assert.deepEqual(read, pcm);
      assert.deepEqual(reader.format, { sampleRate: 22_050, channels: 1, bitsPerSample: 16 });
    });
  }

  it('reads to the end when the sizes are placeholders, as espeak-ng writes them', () => {
    assert.deepEqual(readInPieces(streamingWav(pcm, 22_050), 100).pcm, pcm);
  });

  it('skips chunks before the audio and stops at the declared data size', () => {
    const wav = encodeWav(pcm, 16_000);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.alloc(1)]);
    const file = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36), Buffer.from('trailing chunk')]);
    assert.deepEqual(readInPieces(file, 7).pcm, pcm);
  });

  const refused: { name: string; file: Buffer; error: RegExp }[] = [
    { name: 'not RIFF at all', file: Buffer.from('this is not a wav file'), error: /not a RIFF\/WAVE file/ },
    { name: 'stereo', file: encodeWav(Buffer.alloc(8), 22_050, 2), error: /16-bit audio with 2 channels, not 16-bit mono/ },
    { name: 'a header cut short', file: encodeWav(pcm, 22_050).subarray(0, 30), error: /the WAV header is incomplete/ },
    { name: 'nothing', file: Buffer.alloc(0), error: /no output/ },
  ];
  for (const { name, file, error } of refused) {
    it(`refuses ${name}`, () =>
      assert.throws(
        () => readInPieces(file, 16),
        (e: unknown) => e instanceof WavError && error.test(e.message),
      ));
  }
});
