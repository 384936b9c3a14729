/**
 * A whisper.cpp model file without weights, for tests: the ggml header (magic, hyper-parameters,
 * mel filters, vocabulary) of a model with tiny dimensions and no tensors, which whisper.cpp loads
 * as "an empty model for testing" and runs (it hears nothing: every weight is zero). It exercises
 * the addon, the recognizer's process and the provider end to end; what a real model hears cannot
 * be tested here (its weights are a download away).
 *
 * The vocabulary is the 256 single-byte tokens in the byte-level BPE order whisper's tokenizer
 * starts with (printable bytes first); whisper.cpp adds the special tokens itself.
 */
import { writeFileSync } from 'node:fs';

const GGML_MAGIC = 0x67676d6c;

function int32s(...values: number[]): Buffer {
  const buffer = Buffer.alloc(4 * values.length);
  values.forEach((value, index) => buffer.writeInt32LE(value, 4 * index));
  return buffer;
}

/** The bytes of the empty model; `state` is the width of its single layer. */
export function emptyWhisperModel(state = 64): Buffer {
  const vocabulary = 51_864; // English-only models have this many tokens.
  const [audioContext, textContext, mels, fftBins] = [1500, 448, 80, 201];
  const heads = 1;
  const layers = 1;
  const f16 = 1;
  const printable = [...Array(256).keys()].filter((byte) => (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || byte >= 174);
  const bytes = [...printable, ...[...Array(256).keys()].filter((byte) => !printable.includes(byte))];
  return Buffer.concat([
    int32s(GGML_MAGIC),
    int32s(vocabulary, audioContext, state, heads, layers, textContext, state, heads, layers, mels, f16),
    int32s(mels, fftBins),
    Buffer.alloc(mels * fftBins * 4),
    int32s(bytes.length),
    ...bytes.flatMap((byte) => [int32s(1), Buffer.from([byte])]),
  ]);
}

export function writeEmptyWhisperModel(path: string): string {
  writeFileSync(path, emptyWhisperModel());
  return path;
}
