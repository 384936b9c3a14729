/**
 * Speech made on the spot for tests and benchmarks: espeak-ng says the text (voice and pace as
 * asked), sox makes it 16 kHz mono s16le as a microphone stream is, and the result is kept under
 * the cache folder so each phrase is synthesized once. Both programs are Debian packages the voice
 * set-up installs (scripts/voice-env.sh); without them this throws and says so.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../server/audio/wav';
import { REPO } from './paths';

export interface Voice {
  /** An espeak-ng voice name: en-us, en-gb, en-gb-scotland, … */
  voice?: string;
  /** Words per minute (espeak-ng's default is 175). */
  wpm?: number;
}

const CACHE = join(REPO, '.cache', 'spoken');

/** `text` as 16 kHz mono signed 16-bit PCM. */
export function spoken(text: string, { voice = 'en-us', wpm = 150 }: Voice = {}): Buffer {
  const key = createHash('sha256')
    .update(JSON.stringify([text, voice, wpm]))
    .digest('hex')
    .slice(0, 16);
  const file = join(CACHE, `${key}.wav`);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    const raw = join(CACHE, `${key}.raw.wav`);
    const partial = join(CACHE, `${key}.partial.wav`);
    try {
      execFileSync('espeak-ng', ['-v', voice, '-s', String(wpm), '-w', raw, text], { stdio: 'pipe' });
      execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', partial], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`Could not synthesize "${text}" with espeak-ng and sox (scripts/voice-env.sh installs both): ${(error as Error).message}`);
    } finally {
      rmSync(raw, { force: true });
    }
    renameSync(partial, file);
  }
  return decodeWav(readFileSync(file)).pcm;
}

/** `seconds` of digital silence at 16 kHz. */
export function silence(seconds: number): Buffer {
  return Buffer.alloc(Math.round(seconds * 16_000) * 2);
}

/**
 * `pcm` without the silence espeak-ng puts before and after the words (a few hundred ms), so a
 * pause laid between two clips is the pause heard. Quieter than `threshold` counts as silence.
 */
export function trimmed(pcm: Buffer, threshold = 300): Buffer {
  const samples = pcm.length / 2;
  let first = 0;
  while (first < samples && Math.abs(pcm.readInt16LE(first * 2)) < threshold) first++;
  let last = samples - 1;
  while (last > first && Math.abs(pcm.readInt16LE(last * 2)) < threshold) last--;
  return pcm.subarray(first * 2, (last + 1) * 2);
}
