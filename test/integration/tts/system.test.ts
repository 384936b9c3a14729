import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { findProgram } from '../../../server/providers/programs';
import { createTtsStage, type TtsStage } from '../../../server/providers/tts';
import { waitFor } from '../../support/poll';
import { FAST_RESILIENCE, Recording, capturingLog, rms } from './record';

const settings = { ...DEFAULT_SETTINGS, tts: { provider: 'system' as const, model: '', baseUrl: '' } };
const systemStage = (env: NodeJS.ProcessEnv): TtsStage => createTtsStage(settings, new Keys(env), capturingLog().log, { env, resilience: FAST_RESILIENCE });

/** This process's children named `name`, running or not yet reaped (zombies), read from /proc. */
function childrenNamed(name: string): { pid: number; state: string }[] {
  const found: { pid: number; state: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (Number(ppid) === process.pid && comm === name) found.push({ pid: Number(entry), state: state! });
  }
  return found;
}

const espeakMissing = findProgram('espeak-ng') ? false : 'espeak-ng is not installed (apt-get install espeak-ng); CI installs it';
const linuxOnly = process.platform === 'linux' ? false : 'uses /bin/sh and /proc';

describe('system voice: espeak-ng', { skip: espeakMissing || linuxOnly }, () => {
  it('speaks "why is this test failing" as at least half a second of audible 22050 Hz audio', async () => {
    const tts = systemStage(process.env).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('why is this test failing');
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      const [done] = got.done;
      const samples = got.samples(done!.segmentId);
      assert.ok(got.audio.every((a) => a.sampleRate === 22_050));
      assert.ok(done!.audioMs >= 500, `${Math.round(done!.audioMs)} ms of audio`);
      assert.ok(rms(samples) > 500, `RMS ${Math.round(rms(samples))} of 32767: not silence`);
      assert.equal(got.errors.length, 0);
      assert.ok(got.metrics[0]!.ttfbMs! > 0);
    } finally {
      await tts.close();
    }
  });

  it('clear() kills the programs still speaking and leaves none behind, not even a zombie', async () => {
    const tts = systemStage(process.env).stream();
    const got = new Recording(tts);
    // Hundreds of kilobytes of audio each: espeak-ng is still writing (held back by the pipe) at the first audio.
    const long = 'The quick brown fox jumps over the lazy dog near the bank of the river, again and again. '.repeat(4);
    let runningAtClear: { pid: number; state: string }[] = [];
    let cleared: Promise<void> | undefined;
    tts.on('audio', () => {
      if (cleared) return;
      runningAtClear = childrenNamed('espeak-ng');
      cleared = tts.clear();
    });
    try {
      tts.pushText(long);
      tts.pushText(long);
      tts.flush();
      await waitFor(() => cleared !== undefined, { what: 'first audio' });
      await cleared;
      assert.ok(
        runningAtClear.some((c) => c.state !== 'Z'),
        'espeak-ng was running when clear() was called',
      );
      assert.deepEqual(childrenNamed('espeak-ng'), [], 'no espeak-ng child once clear() resolved');
      assert.deepEqual([got.done.length, got.errors.length, got.metrics.map((m) => m.cancelled)], [0, 0, [true]]);
    } finally {
      await tts.close();
    }
  });

  it('speaks text with quotes, shell syntax, newlines and leading dashes as text, never as options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-tts-safe-'));
    const planted = join(dir, 'planted.wav');
    const touched = join(dir, 'touched');
    const tts = systemStage(process.env).stream();
    const got = new Recording(tts);
    try {
      tts.pushText(`-w ${planted} --version`);
      tts.pushText(`"quoted" 'single' $(touch ${touched}) \`touch ${touched}\`; rm -rf ${dir}\nnext line\r\n--help`);
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.equal(got.errors.length, 0, got.errors.map((e) => e.error.message).join('; '));
      assert.equal(got.done.length, 2);
      assert.ok(
        got.done.every((d) => d.audioMs > 500),
        'each was spoken in full',
      );
      assert.deepEqual([existsSync(planted), existsSync(touched), existsSync(dir)], [false, false, true]);
    } finally {
      await tts.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('system voice: what the program sees and sends back', { skip: linuxOnly }, () => {
  let bin: string;

  before(async () => {
    bin = await mkdtemp(join(tmpdir(), 'parley-fake-voice-'));
  });
  after(() => rm(bin, { recursive: true, force: true }));

  /** A stand-in `espeak-ng` on PATH: records its environment and arguments, then runs `body`. */
  async function fakeVoice(body: string): Promise<NodeJS.ProcessEnv> {
    const program = join(bin, 'espeak-ng');
    await writeFile(program, `#!/bin/sh\nenv > "$HOME/child-env.txt"\nprintf '%s\\n' "$@" > "$HOME/child-args.txt"\n${body}\n`);
    await chmod(program, 0o755);
    return {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: bin,
      LANG: 'C.UTF-8',
      OPENAI_API_KEY: 'sk-secret-should-not-leak',
      DEEPGRAM_API_KEY: 'dg-secret',
      EXTRA: 'nope',
    };
  }

  it('gives the program only PATH, HOME and LANG, and the text as one argument after --', async () => {
    const env = await fakeVoice("printf 'RIFF'");
    const tts = systemStage(env).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('-v "odd" text');
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      const childEnv = await readFile(join(bin, 'child-env.txt'), 'utf8');
      assert.doesNotMatch(childEnv, /secret|OPENAI|DEEPGRAM|EXTRA/);
      assert.match(childEnv, /^PATH=/m);
      assert.match(childEnv, /^HOME=/m);
      assert.match(childEnv, /^LANG=C\.UTF-8$/m);
      const args = (await readFile(join(bin, 'child-args.txt'), 'utf8')).trimEnd().split('\n');
      assert.deepEqual(args.slice(-2), ['--', '-v "odd" text']);
    } finally {
      await tts.close();
    }
  });

  it('reports output that is not a WAV as a clear error', async () => {
    const tts = systemStage(await fakeVoice("printf 'this is not a wav file at all'")).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Hello.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.match(error!.error.message, /espeak-ng did not produce a playable WAV \(not a RIFF\/WAVE file\)/);
      assert.equal(error!.error.retryable, false);
      assert.equal(got.audio.length, 0);
    } finally {
      await tts.close();
    }
  });

  it('reports a program that fails with what it said on stderr', async () => {
    const tts = systemStage(await fakeVoice("echo 'voice en-us not found' >&2\nexit 3")).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Hello.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.match(error!.error.message, /espeak-ng exited with code 3: voice en-us not found/);
    } finally {
      await tts.close();
    }
  });
});
