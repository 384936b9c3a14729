/**
 * The whole voice loop headless, as `npx parley voice` runs it: a real recording as the
 * microphone at real-time pace, Silero VAD, transcription and the model from the OpenAI-compatible
 * stand-in (through the official SDK), espeak-ng speaking the answers into a clock-driven sink.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VoiceRun } from '../../server/voice/cli';
import { decodeWav, encodeWav } from '../../server/voice/audio/wav';
import { findProgram } from '../../server/providers/programs';
import { CLI_BIN, REPO, tempDir } from '../support/paths';
import { startDeepgramStandIn, startOpenAIStandIn } from '../support/standins';

const AUDIO = join(REPO, '..', 'shared', 'audio');
const DIALOGUE = join(AUDIO, 'dialogue.wav');

/** Two clips with a pause long enough for the first answer to be spoken in full. */
function twoTurns(path: string): string {
  const silence = (seconds: number) => Buffer.alloc(Math.round(seconds * 16_000) * 2);
  const clip = (name: string) => decodeWav(readFileSync(join(AUDIO, name))).pcm;
  writeFileSync(path, encodeWav(Buffer.concat([silence(0.5), clip('why_failing.wav'), silence(5), clip('run_tests.wav'), silence(1.5)])));
  return path;
}
const noVoice = findProgram('espeak-ng') ? undefined : 'espeak-ng is not installed (scripts/voice-env.sh installs it)';

function parleyVoice(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A hung pipeline fails the test instead of holding the whole run open.
    const child = spawn(process.execPath, [CLI_BIN, 'voice', ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('parley voice', { skip: noVoice, timeout: 120_000 }, () => {
  let standIn: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  const dir = tempDir('voice');
  let env: NodeJS.ProcessEnv;

  before(async () => {
    standIn = await startOpenAIStandIn({ latency: { ttfbMs: 50, interTokenMs: 5 } });
    env = {
      PARLEY_LLM: 'openai-compatible',
      PARLEY_LLM_BASE_URL: standIn.baseURL,
      PARLEY_LLM_MODEL: 'local-coder',
      PARLEY_STT: 'openai-compatible',
      PARLEY_STT_BASE_URL: standIn.baseURL,
      PARLEY_TTS: 'system',
    };
  });
  after(async () => {
    await standIn.close();
    dir.cleanup();
  });

  it('answers each utterance of a dialogue aloud and reports the latencies', async () => {
    standIn.transcripts.push('why is this test failing', 'run the tests please');
    standIn.chat.push({ text: 'The assertion expects three.' }, { text: 'Running them now.' });
    const out = join(dir.path, 'reply.wav');
    const input = twoTurns(join(dir.path, 'two-turns.wav'));
    const { code, stdout, stderr } = await parleyVoice(['--wav', input, '--out', out, '--json', '--storage', join(dir.path, 's1'), '--workspace', dir.path], env);
    assert.equal(code, 0, stderr);
    const run = JSON.parse(stdout) as VoiceRun;
    assert.deepEqual(run.turns.map((turn) => [turn.role, turn.text, turn.interrupted]), [
      ['user', 'why is this test failing', false],
      ['assistant', 'The assertion expects three.', false],
      ['user', 'run the tests please', false],
      ['assistant', 'Running them now.', false],
    ]);
    for (const turn of run.turns.filter((t) => t.role === 'assistant')) {
      const metrics = turn.metrics!;
      assert.ok(metrics.llmTtftMs! >= 50, `llm ttft ${metrics.llmTtftMs}`);
      assert.ok(metrics.ttsTtfbMs! > 0 && metrics.voiceToVoiceMs! > metrics.ttsTtfbMs!, JSON.stringify(metrics));
    }
    // Each utterance reached the recognizer as one WAV of about its length.
    const uploads = standIn.requests.filter((request) => request.path === '/v1/audio/transcriptions');
    assert.equal(uploads.length, 2);
    assert.ok(existsSync(out));
    const reply = decodeWav(readFileSync(out));
    assert.equal(reply.sampleRate, 22_050);
    assert.ok(reply.pcm.length / 2 / reply.sampleRate > 1.5, 'both answers were spoken');
  });

  // In dialogue.wav the second utterance starts 1.5 s after the first ends: over the answer.
  it('stops a long answer when the user talks over it and keeps only what was heard', async () => {
    const long = 'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three. You can fix it by copying the list first.';
    standIn.transcripts.push('why is this test failing', 'stop');
    standIn.chat.push({ text: long }, { text: 'Okay.' });
    const { code, stdout, stderr } = await parleyVoice(['--wav', DIALOGUE, '--out', join(dir.path, 'barge.wav'), '--json', '--storage', join(dir.path, 's2'), '--workspace', dir.path], env);
    assert.equal(code, 0, stderr);
    const run = JSON.parse(stdout) as VoiceRun;
    const first = run.turns[1]!;
    assert.equal(first.role, 'assistant');
    assert.equal(first.interrupted, true);
    assert.ok(first.text.length > 0 && first.text.length < long.length, `heard: ${first.text}`);
    assert.ok(long.startsWith(first.text.split(' ').slice(0, 3).join(' ')), 'what was heard is the start of the answer');
    assert.ok(first.metrics?.bargeInStopMs !== undefined, JSON.stringify(first.metrics));
    assert.deepEqual(run.turns.slice(2).map((turn) => [turn.role, turn.text]), [
      ['user', 'stop'],
      ['assistant', 'Okay.'],
    ]);
  });

  it('resumes the answer when the sound over it had no words (a false alarm)', async () => {
    const long = 'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three.';
    standIn.transcripts.push('why is this test failing', '');
    standIn.chat.push({ text: long });
    const { code, stdout, stderr } = await parleyVoice(['--wav', DIALOGUE, '--out', join(dir.path, 'resume.wav'), '--json', '--storage', join(dir.path, 's3'), '--workspace', dir.path], env);
    assert.equal(code, 0, stderr);
    const run = JSON.parse(stdout) as VoiceRun;
    assert.deepEqual(run.turns.map((turn) => [turn.role, turn.text, turn.interrupted]), [
      ['user', 'why is this test failing', false],
      ['assistant', long, false],
    ]);
    const reply = decodeWav(readFileSync(join(dir.path, 'resume.wav')));
    assert.ok(reply.pcm.length / 2 / reply.sampleRate > 6, 'the whole answer was played after the pause');
  });

  it('answers when Deepgram ends the turn by its own endpointing, before the VAD does', async () => {
    const deepgram = await startDeepgramStandIn({ apiKey: 'dg-test-key' });
    try {
      deepgram.listen.push([
        { atMs: 700, type: 'interim', transcript: 'why is' },
        { atMs: 1500, type: 'final', transcript: 'why is this test failing', speechFinal: true },
      ]);
      standIn.chat.push({ text: 'The list has two items.' });
      const input = twoTurns(join(dir.path, 'deepgram.wav'));
      const { code, stdout, stderr } = await parleyVoice(['--wav', input, '--out', join(dir.path, 'dg.wav'), '--json', '--storage', join(dir.path, 's4'), '--workspace', dir.path], {
        ...env,
        PARLEY_STT: 'deepgram',
        PARLEY_STT_BASE_URL: deepgram.baseUrl,
        DEEPGRAM_API_KEY: 'dg-test-key',
      });
      assert.equal(code, 0, stderr);
      const run = JSON.parse(stdout) as VoiceRun;
      assert.deepEqual(run.turns.slice(0, 2).map((turn) => [turn.role, turn.text]), [
        ['user', 'why is this test failing'],
        ['assistant', 'The list has two items.'],
      ]);
      assert.ok(run.turns[1]!.metrics?.voiceToVoiceMs !== undefined, JSON.stringify(run.turns[1]!.metrics));
      assert.equal(deepgram.listenSessions.length, 1, 'one live session for the whole run');
    } finally {
      await deepgram.close();
    }
  });

  it('explains a microphone file it cannot use', async () => {
    const { code, stderr } = await parleyVoice(['--wav', join(REPO, 'package.json')], env);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /not a RIFF\/WAVE file/);
  });
});
