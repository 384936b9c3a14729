import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PcmHistory } from '../../../server/audio/history';
import { pcmBytesFor, pcmDurationMs, SampleAligner, samplesDurationMs, toFloat32, toInt16 } from '../../../server/audio/pcm';
import { decodeWav, encodeWav, wavDurationMs } from '../../../server/audio/wav';
import { REPO } from '../../support/paths';

const pcm = (...samples: number[]) => Buffer.from(Int16Array.from(samples).buffer);

describe('PCM helpers', () => {
  it('converts between bytes and ms at 16 kHz', () => {
    assert.equal(pcmDurationMs(32_000), 1000);
    assert.equal(pcmDurationMs(48_000, 24_000), 1000, 'bytes at another rate');
    assert.equal(samplesDurationMs(24_000, 24_000), 1000, 'samples, not bytes');
    assert.equal(pcmBytesFor(20), 640);
    assert.deepEqual([...toFloat32(pcm(0, 16384, -32768))], [0, 0.5, -1]);
  });

  it('keeps a byte stream sample-aligned, holding an odd byte for the next chunk', () => {
    const aligner = new SampleAligner();
    const whole = pcm(1, 2, 3, 4);
    const out = [whole.subarray(0, 3), whole.subarray(3, 4), whole.subarray(4, 7), whole.subarray(7)].map((chunk) => aligner.push(chunk));
    assert.deepEqual(
      out.map((b) => b.length),
      [2, 2, 2, 2],
    );
    assert.ok(Buffer.concat(out).equals(whole));
    aligner.push(Buffer.alloc(1));
    aligner.reset();
    assert.equal(aligner.push(Buffer.alloc(2)).length, 2, 'a forgotten half sample does not shift later audio');
  });

  it('says when an odd byte is still waiting, and makes samples of bytes at any offset', () => {
    const aligner = new SampleAligner();
    const bytes = Buffer.concat([Buffer.alloc(1), pcm(-2, 300)]).subarray(1);
    assert.deepEqual([...toInt16(aligner.push(bytes.subarray(0, 3)))], [-2]);
    assert.equal(aligner.pending, true);
    assert.deepEqual([...toInt16(aligner.push(bytes.subarray(3)))], [300]);
    assert.equal(aligner.pending, false);
  });
});

describe('WAV files', () => {
  it('writes a canonical 16 kHz mono s16le file that reads back as written', () => {
    const audio = pcm(0, 1000, -1000, 32767);
    const file = encodeWav(audio);
    assert.equal(file.length, 44 + audio.length);
    const read = decodeWav(file);
    assert.deepEqual([read.sampleRate, read.channels, read.bitsPerSample], [16000, 1, 16]);
    assert.ok(read.pcm.equals(audio));
  });

  it('reads the shared clips, skipping chunks before data', () => {
    const clip = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav')));
    assert.deepEqual([clip.sampleRate, clip.channels, clip.bitsPerSample], [16000, 1, 16]);
    assert.equal(Math.round(pcmDurationMs(clip.pcm.length)), 1862);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
    const file = encodeWav(pcm(7, 8));
    const withList = Buffer.concat([file.subarray(0, 36), list, file.subarray(36)]);
    assert.ok(decodeWav(withList).pcm.equals(pcm(7, 8)));
  });

  it('reads a file whose sizes are streaming placeholders, and any channel count', () => {
    const file = encodeWav(pcm(1, 2, 3, 4), 8000, 2);
    file.writeUInt32LE(0x7ffff000, 40);
    const wav = decodeWav(file);
    assert.ok(wav.pcm.equals(pcm(1, 2, 3, 4)), 'the audio runs to the end of the file');
    assert.equal(wav.channels, 2);
    assert.equal(wavDurationMs(wav), 0.25);
  });

  it('refuses what is not PCM WAV', () => {
    assert.throws(() => decodeWav(Buffer.from('not a wav file at all')), /not a RIFF\/WAVE/);
    const float = encodeWav(pcm(1));
    float.writeUInt16LE(3, 20);
    assert.throws(() => decodeWav(float), /compressed audio \(format 3\), not plain PCM/);
  });
});

describe('PCM history', () => {
  it('returns the audio since a stream time, keeping at least its capacity', () => {
    const history = new PcmHistory(100);
    for (let i = 0; i < 10; i++) history.append(Buffer.alloc(640, i));
    assert.equal(history.endMs, 200);
    const tail = history.since(160);
    assert.equal(tail.length, 1280);
    assert.deepEqual([tail[0], tail.at(-1)], [8, 9]);
    assert.ok(history.since(0).length >= pcmBytesFor(100), 'older audio is gone, but the capacity is kept');
    assert.equal(history.since(500).length, 0);
    history.clear();
    assert.deepEqual([history.endMs, history.since(0).length], [200, 0]);
  });
});
