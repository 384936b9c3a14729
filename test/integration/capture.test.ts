/**
 * Microphone capture over the live WebSocket of a real server: PCM in as binary frames, the
 * answer's voice out as binary frames, and bad audio closing only that connection. Native capture
 * runs the real arecord against ALSA devices that test/support/alsa.ts defines.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { LiveClose, type ServerFrame } from '../../protocol/live';
import { findProgram } from '../../server/providers/programs';
import { decodeWav } from '../../server/audio/wav';
import { absentMicrophone, virtualMicrophone, type VirtualMicrophone } from '../support/alsa';
import { connectLive } from '../support/live';
import { REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startVoiceServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

const noVoice = findProgram('espeak-ng') ? undefined : 'espeak-ng is not installed (scripts/voice-env.sh installs it)';
const noRecorder = findProgram('arecord') ? undefined : 'arecord is not installed (scripts/voice-env.sh installs alsa-utils)';

describe('live capture', { skip: noVoice, timeout: 60_000 }, () => {
  const dir = tempDir('capture');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;
  let microphone: VirtualMicrophone;

  before(async () => {
    model = await startOpenAIStandIn({ latency: { ttfbMs: 10, interTokenMs: 2 } });
    // No sound card to count on: the server's home gives the real arecord a default capture
    // device that plays what the test writes.
    microphone = virtualMicrophone();
    server = await startVoiceServer(dir.path, model.baseURL, { PATH: process.env.PATH, HOME: microphone.home });
  });
  after(async () => {
    await server.stop();
    await model.close();
    microphone.close();
    dir.cleanup();
  });

  const connect = () => connectLive(server);

  it('turns streamed microphone PCM into a spoken answer, priced by the audio transcribed and the text spoken', async () => {
    // Local recognizers and voices are free unless priced: these prices are the user's own.
    await server.changeSettings({ ...server.settings, speechPricing: { 'openai-compatible': { perAudioMinute: 0.006 }, system: { perMCharacters: 15 } } });
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'Because the list has two items.' });
    const { socket, frames, audio } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
    const pcm = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    const speech = Buffer.concat([Buffer.alloc(16_000), pcm, Buffer.alloc(48_000)]);
    // Faster than real time: the VAD works in stream time.
    for (let offset = 0; offset < speech.length; offset += 640) socket.send(speech.subarray(offset, offset + 640));
    const answer = await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant'), {
      timeoutMs: 30_000,
      what: 'the answer',
    });
    assert.ok(answer.type === 'turn' && answer.turn.text === 'Because the list has two items.');
    assert.ok(
      frames.some(
        (frame) => frame.type === 'turn' && frame.turn.role === 'user' && frame.turn.source === 'voice' && frame.turn.text === 'why is this test failing',
      ),
    );
    // Assistant audio: a 4-byte sample rate, then PCM.
    assert.ok(audio.length > 0);
    assert.equal(audio[0]!.readUInt32LE(0), 22_050);
    socket.send(JSON.stringify({ type: 'capture', action: 'stop' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'stopped' });
    socket.close();
    // The recognizer was sent the speech the VAD found, padded: more than the words, less than the whole stream.
    const user = frames.flatMap((frame) => (frame.type === 'turn' && frame.turn.role === 'user' ? [frame.turn] : [])).at(-1)!;
    const stt = user.stt!;
    assert.equal(stt.provider, 'openai-compatible');
    assert.equal(stt.model, 'whisper-1');
    const uploaded = model.requests.filter((request) => request.path === '/v1/audio/transcriptions').at(-1)!;
    const sent = decodeWav((uploaded.body as { file: { bytes: Buffer } }).file.bytes).pcm.length / 32_000;
    assert.ok(Math.abs(stt.audioSeconds - sent) < 0.001, `${stt.audioSeconds} s counted, ${sent} s uploaded`);
    assert.ok(stt.audioSeconds >= pcm.length / 32_000 - 0.5 && stt.audioSeconds <= speech.length / 32_000, `${stt.audioSeconds} s`);
    assert.ok(Math.abs(stt.costUsd! - (stt.audioSeconds / 60) * 0.006) < 1e-12);
    const tts = answer.turn.tts!;
    assert.equal(tts.provider, 'system');
    assert.equal(tts.characters, 'Because the list has two items.'.length);
    assert.ok(tts.audioSeconds > 0.5, `${tts.audioSeconds} s of speech made`);
    assert.ok(Math.abs(tts.costUsd! - (tts.characters! * 15) / 1e6) < 1e-12);
    await server.changeSettings({ ...server.settings, speechPricing: {} });
  });

  it('keeps what was said when listening stops right after the last word, or the page closes', async () => {
    const pcm = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    const speech = Buffer.concat([Buffer.alloc(16_000), pcm]);
    for (const ending of ['stop', 'close'] as const) {
      const question = ending === 'stop' ? 'why is this test failing' : 'why does the page matter';
      // No scripted answer: the answer is cut short when listening stops, so it may not be asked for.
      model.transcripts.push(question);
      const { socket, frames } = await connect();
      socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
      await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
      for (let offset = 0; offset < speech.length; offset += 640) socket.send(speech.subarray(offset, offset + 640));
      if (ending === 'stop') {
        socket.send(JSON.stringify({ type: 'capture', action: 'stop' }));
        await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'stopped' });
      }
      socket.close();
      // A panel that opens next shows the question: in its history, or as the turn arrives.
      const next = await connect();
      const heard = (frame: ServerFrame) =>
        (frame.type === 'history' && frame.turns.some((turn) => turn.role === 'user' && turn.text === question)) ||
        (frame.type === 'turn' && frame.turn.role === 'user' && frame.turn.text === question);
      try {
        await waitFor(() => next.frames.some(heard), { timeoutMs: 20_000, what: `the question, kept after the ${ending}` });
      } finally {
        next.socket.close();
      }
      assert.equal(model.transcripts.pending, 0, 'the last turn was transcribed');
    }
  });

  it('keeps the audio a client sends before the server says it is listening', async () => {
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'The list has two items.' });
    const { socket, frames } = await connect();
    const uploads = model.requests.filter((request) => request.path === '/v1/audio/transcriptions').length;
    const pcm = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    const speech = Buffer.concat([Buffer.alloc(16_000), pcm, Buffer.alloc(48_000)]);
    // The microphone starts with the request: its first frames reach the server while the capture
    // opens, which takes a while when the editor is slow to hand over the settings.
    server.configurationDelayMs = 300;
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
    for (let offset = 0; offset < speech.length; offset += 640) socket.send(speech.subarray(offset, offset + 640));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
    server.configurationDelayMs = 0;
    await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant' && frame.turn.text === 'The list has two items.'), {
      timeoutMs: 30_000,
      what: 'the answer',
    });
    assert.equal(socket.readyState, WebSocket.OPEN);
    const upload = model.requests.filter((request) => request.path === '/v1/audio/transcriptions').slice(uploads);
    assert.equal(upload.length, 1);
    assert.ok(speech.includes(decodeWav((upload[0]!.body as { file: { bytes: Buffer } }).file.bytes).pcm), 'the recognizer got the audio as sent');
    socket.send(JSON.stringify({ type: 'capture', action: 'stop' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'stopped' });
    socket.close();
  });

  it('closes a connection that sends audio with an odd number of bytes, and keeps serving others', async () => {
    const { socket, frames } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(Buffer.from([1, 2, 3]));
    assert.equal(await closed, LiveClose.unsupportedData);
    const other = await connect();
    await waitFor(() => other.frames.find((frame) => frame.type === 'hello'), { what: 'a greeting on a new connection' });
    other.socket.close();
  });

  it('records the system microphone itself for desktop VS Code (native capture)', { skip: noRecorder }, async () => {
    model.transcripts.push('run the tests please');
    model.chat.push({ text: 'Running them.' });
    const { socket, frames } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'native' }));
    const listening = await waitFor(() => frames.find((frame) => frame.type === 'capture'), { what: 'listening' });
    assert.ok(
      listening.type === 'capture' && listening.state === 'listening' && listening.source === 'native' && listening.device === findProgram('arecord'),
      JSON.stringify(listening),
    );
    const pcm = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'run_tests.wav'))).pcm;
    const played = Buffer.concat([Buffer.alloc(16_000), pcm, Buffer.alloc(48_000)]);
    await microphone.play(played);
    await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant' && frame.turn.text === 'Running them.'), {
      timeoutMs: 30_000,
      what: 'the answer',
    });
    // The recognizer got a stretch of what the microphone played, sample for sample.
    const upload = model.requests.filter((request) => request.path === '/v1/audio/transcriptions').at(-1)!;
    const heard = decodeWav((upload.body as { file: { bytes: Buffer } }).file.bytes).pcm;
    assert.ok(heard.length >= pcm.length / 2 && played.includes(heard), `${heard.length} bytes uploaded`);
    socket.send(JSON.stringify({ type: 'capture', action: 'stop' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'stopped' });
    socket.close();
  });

  it('keeps what was said when the recorder exits right after the last word (native capture)', { skip: noRecorder }, async () => {
    const question = 'what did the recorder hear';
    model.transcripts.push(question);
    const { socket, frames } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'native' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
    const pcm = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'run_tests.wav'))).pcm;
    await microphone.play(Buffer.concat([Buffer.alloc(16_000), pcm]));
    // The recorder dies as it would with a device pulled out mid-sentence (arecord waits on SIGTERM while the device has nothing to read).
    assert.equal(spawnSync('pkill', ['-KILL', '-x', 'arecord']).status, 0, 'no arecord was running');
    const stopped = await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), {
      timeoutMs: 40_000,
      what: `the capture to stop (${JSON.stringify(frames.map((f) => f.type))} ${server.logs.slice(-8).join(' | ')} ${server.stderr().slice(-500)})`,
    });
    assert.match(stopped.type === 'capture' ? (stopped.reason ?? '') : '', /the recorder \(.*arecord\) stopped/);
    await waitFor(() => frames.some((frame) => frame.type === 'turn' && frame.turn.role === 'user' && frame.turn.text === question), {
      timeoutMs: 20_000,
      what: 'the question, kept after the recorder exited',
    });
    assert.equal(model.transcripts.pending, 0);
    socket.close();
  });

  it("stops listening with the recorder's own words when it fails", { skip: noRecorder }, async () => {
    await server.stop();
    server = await startVoiceServer(dir.path, model.baseURL, { PATH: process.env.PATH, HOME: absentMicrophone(dir.path) });
    const { socket, frames } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'native' }));
    const stopped = await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'the capture to stop' });
    socket.close();
    assert.ok(stopped.type === 'capture' && stopped.state === 'stopped');
    assert.match(stopped.reason ?? '', /exit code 1: arecord: .*audio open error: No such device/);
  });

  it('push-to-talk: the turn lasts while talk is held, and the reviewed transcript is answered aloud', async () => {
    await server.changeSettings({ ...server.settings, voice: { ...server.settings.voice, mode: 'pushToTalk' } });
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'Because of the off-by-one.' });
    const { socket, frames, audio } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
    const speech = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    // Audio before the press is not part of the turn.
    socket.send(Buffer.alloc(6400));
    socket.send(JSON.stringify({ type: 'talk', pressed: true }));
    for (let offset = 0; offset < speech.length; offset += 640) socket.send(speech.subarray(offset, offset + 640));
    socket.send(JSON.stringify({ type: 'talk', pressed: false }));
    const heard = await waitFor(() => frames.find((frame) => frame.type === 'transcript' && frame.final), {
      timeoutMs: 15_000,
      what: 'the transcript to review',
    });
    assert.ok(heard.type === 'transcript' && heard.editable === true && heard.text === 'why is this test failing');
    assert.ok(!frames.some((frame) => frame.type === 'turn' && frame.turn.text === 'why is this test failing'), 'nothing is sent before the user confirms');
    // The upload was exactly the audio between press and release.
    const upload = model.requests.filter((request) => request.path === '/v1/audio/transcriptions').at(-1)!;
    const file = (upload.body as { file: { bytes: Buffer } }).file;
    assert.equal(decodeWav(file.bytes).pcm.length, speech.length);
    socket.send(JSON.stringify({ type: 'say', text: 'why is this unit test failing', spoken: true }));
    await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant' && frame.turn.text === 'Because of the off-by-one.'), {
      timeoutMs: 30_000,
      what: 'the spoken answer',
    });
    assert.ok(
      frames.some(
        (frame) => frame.type === 'turn' && frame.turn.role === 'user' && frame.turn.text === 'why is this unit test failing' && frame.turn.source === 'voice',
      ),
    );
    await waitFor(() => audio.length > 0 || undefined, { what: 'the answer spoken' });
    socket.close();
    await server.changeSettings({ ...server.settings, voice: { ...server.settings.voice, mode: 'handsFree' } });
  });

  it('says why listening cannot start when no recognizer is usable', async () => {
    await server.changeSettings({ ...server.settings, stt: { provider: 'deepgram', model: '', baseUrl: '' } });
    const { socket, frames } = await connect();
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
    const stopped = await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'a refusal' });
    socket.close();
    assert.ok(stopped.type === 'capture' && /Deepgram key/.test(stopped.reason ?? ''), JSON.stringify(stopped));
  });
});
