/**
 * The whole voice loop headless, as `npx parley voice` runs it: a real recording as the
 * microphone at real-time pace, Silero VAD, transcription and the model from the OpenAI-compatible
 * stand-in (through the official SDK), espeak-ng speaking the answers into a clock-driven sink.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VoiceTurnJson } from '../../server/voice/cli';
import { decodeWav, encodeWav } from '../../server/audio/wav';
import { findProgram } from '../../server/providers/programs';
import { runParley } from '../support/cli';
import { REPO, tempDir } from '../support/paths';
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

/** `--json` prints one object per line, for each thing the user said. */
function turnsOf(stdout: string): VoiceTurnJson[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as VoiceTurnJson);
}

// A hung pipeline fails the test instead of holding the whole run open.
const parleyVoice = (args: string[], env: NodeJS.ProcessEnv) => runParley(['voice', ...args], { env, timeoutMs: 60_000, killSignal: 'SIGKILL' });

describe('parley voice', { skip: noVoice, timeout: 120_000 }, () => {
  let standIn: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  const dir = tempDir('voice');
  let env: NodeJS.ProcessEnv;

  before(async () => {
    standIn = await startOpenAIStandIn({ latency: { ttfbMs: 50, interTokenMs: 5 } });
    // The workspace the runs talk about (--workspace): its repository map goes to the model.
    mkdirSync(join(dir.path, 'src'));
    writeFileSync(
      join(dir.path, 'src', 'invoice.ts'),
      'export function computeInvoiceTotal(lines: number[]): number {\n  return lines.reduce((sum, line) => sum + line, 0);\n}\n',
    );
    writeFileSync(
      join(dir.path, 'src', 'checkout.ts'),
      "import { computeInvoiceTotal } from './invoice';\n\nexport const total = computeInvoiceTotal([1, 2]);\n",
    );
    env = {
      XDG_CACHE_HOME: join(dir.path, 'cache'),
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
    const { code, stdout, stderr } = await parleyVoice(
      ['--input', input, '--output', out, '--json', '--storage', join(dir.path, 's1'), '--workspace', dir.path],
      env,
    );
    assert.equal(code, 0, stderr);
    const turns = turnsOf(stdout);
    assert.deepEqual(
      turns.map((turn) => [turn.transcript, turn.reply, turn.interrupted]),
      [
        ['why is this test failing', 'The assertion expects three.', false],
        ['run the tests please', 'Running them now.', false],
      ],
    );
    for (const { metrics } of turns) {
      assert.ok(metrics.sttFinalMs! > 0, `final transcript ${metrics.sttFinalMs}`);
      assert.ok(metrics.llmFirstTokenMs! >= 50, `llm first token ${metrics.llmFirstTokenMs}`);
      assert.ok(metrics.ttsFirstByteMs! > 0 && metrics.voiceToVoiceMs! > metrics.ttsFirstByteMs!, JSON.stringify(metrics));
    }
    // The workspace is the context: the model saw its repository map.
    const asked = standIn.requests.filter((request) => request.path === '/v1/chat/completions');
    assert.match(JSON.stringify(asked[0]!.body), /Repository map[^]*invoice\.ts[^]*computeInvoiceTotal/);
    // Each utterance reached the recognizer as one WAV of about its length.
    const uploads = standIn.requests.filter((request) => request.path === '/v1/audio/transcriptions');
    assert.equal(uploads.length, 2);
    assert.ok(existsSync(out));
    const reply = decodeWav(readFileSync(out));
    assert.equal(reply.sampleRate, 22_050);
    assert.ok(reply.pcm.length / 2 / reply.sampleRate > 1.5, 'both answers were spoken');
  });

  // In dialogue.wav the second utterance starts 1.5 s after the first ends: over the answer.
  it('stops a long answer when the user says "stop" over it, keeps only what was heard and does not answer the "stop"', async () => {
    const long =
      'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three. You can fix it by copying the list first.';
    standIn.transcripts.push('why is this test failing', 'stop');
    standIn.chat.push({ text: long });
    const { code, stdout, stderr } = await parleyVoice(
      ['--input', DIALOGUE, '--output', join(dir.path, 'barge.wav'), '--json', '--storage', join(dir.path, 's2'), '--workspace', dir.path],
      env,
    );
    assert.equal(code, 0, stderr);
    const [first, second] = turnsOf(stdout);
    assert.equal(first!.interrupted, true);
    assert.ok(first!.reply.length > 0 && first!.reply.length < long.length, `heard: ${first!.reply}`);
    assert.ok(long.startsWith(first!.reply.split(' ').slice(0, 3).join(' ')), 'what was heard is the start of the answer');
    assert.ok(first!.metrics.bargeInStopMs !== undefined, JSON.stringify(first!.metrics));
    // "stop" is said to the voice, not the model: no turn of its own.
    assert.equal(second, undefined, 'the spoken "stop" was not answered');
  });

  it('resumes the answer when the sound over it had no words (a false alarm)', async () => {
    const long =
      'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three.';
    standIn.transcripts.push('why is this test failing', '');
    standIn.chat.push({ text: long });
    const { code, stdout, stderr } = await parleyVoice(
      ['--input', DIALOGUE, '--output', join(dir.path, 'resume.wav'), '--json', '--storage', join(dir.path, 's3'), '--workspace', dir.path],
      env,
    );
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      turnsOf(stdout).map((turn) => [turn.transcript, turn.reply, turn.interrupted]),
      [['why is this test failing', long, false]],
    );
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
      const { code, stdout, stderr } = await parleyVoice(
        ['--input', input, '--output', join(dir.path, 'dg.wav'), '--json', '--storage', join(dir.path, 's4'), '--workspace', dir.path],
        {
          ...env,
          PARLEY_STT: 'deepgram',
          PARLEY_STT_BASE_URL: deepgram.baseUrl,
          DEEPGRAM_API_KEY: 'dg-test-key',
        },
      );
      assert.equal(code, 0, stderr);
      const [first] = turnsOf(stdout);
      assert.deepEqual([first!.transcript, first!.reply], ['why is this test failing', 'The list has two items.']);
      assert.ok(first!.metrics.voiceToVoiceMs !== undefined, JSON.stringify(first!.metrics));
      assert.equal(deepgram.listenSessions.length, 1, 'one live session for the whole run');
    } finally {
      await deepgram.close();
    }
  });

  // A clip cut from a microphone ends right after the last word: the end of the input is the end of speech.
  it('answers a recording that ends on its last word, without trailing silence', async () => {
    const speech = decodeWav(readFileSync(DIALOGUE)).pcm.subarray(0, Math.round(2.861 * 16_000) * 2);
    const input = join(dir.path, 'cut.wav');
    writeFileSync(input, encodeWav(speech));
    standIn.transcripts.push('why is this test failing');
    standIn.chat.push({ text: 'The assertion expects three.' });
    const { code, stdout, stderr } = await parleyVoice(['--input', input, '--json', '--storage', join(dir.path, 's5'), '--workspace', dir.path], env);
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      turnsOf(stdout).map((turn) => [turn.transcript, turn.reply]),
      [['why is this test failing', 'The assertion expects three.']],
    );
  });

  it('answers speech that starts only at the very end of the recording', async () => {
    const clip = decodeWav(readFileSync(join(AUDIO, 'run_tests.wav'))).pcm;
    const input = join(dir.path, 'late.wav');
    writeFileSync(input, encodeWav(Buffer.concat([Buffer.alloc(3 * 16_000 * 2), clip.subarray(0, clip.length - 0.15 * 16_000 * 2)])));
    standIn.transcripts.push('run the tests please');
    standIn.chat.push({ text: 'Running them now.' });
    const { code, stdout, stderr } = await parleyVoice(['--input', input, '--json', '--storage', join(dir.path, 's6'), '--workspace', dir.path], env);
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      turnsOf(stdout).map((turn) => [turn.transcript, turn.reply]),
      [['run the tests please', 'Running them now.']],
    );
  });

  it('says so, and fails, when the recording holds no speech at all', async () => {
    const input = join(dir.path, 'silent.wav');
    const hum = Buffer.alloc(Math.round(1.9 * 16_000) * 2);
    for (let i = 0; i < hum.length / 2; i++) hum.writeInt16LE(Math.round(300 * Math.sin((2 * Math.PI * 50 * i) / 16_000)), i * 2);
    writeFileSync(input, encodeWav(hum));
    const asked = standIn.requests.length;
    const { code, stdout, stderr } = await parleyVoice(['--input', input, '--json', '--storage', join(dir.path, 's7'), '--workspace', dir.path], env);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^parley: no speech found in .*silent\.wav \(1\.9 s, peak −41 dBFS\)/);
    assert.equal(standIn.requests.length, asked, 'nothing was sent to a provider');
  });

  it('explains a microphone file it cannot use', async () => {
    const { code, stderr } = await parleyVoice(['--input', join(REPO, 'package.json')], env);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /not a RIFF\/WAVE file/);
  });
});
