/**
 * The page's playback reports over the live WebSocket of a real server: a spoken answer is
 * committed when the page says it has played it, not when the server's clock would have; a
 * page that reports nothing is timed by that clock, as before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import { decodeWav } from '../../server/audio/wav';
import { findProgram } from '../../server/providers/programs';
import { connectLive, type LiveClient } from '../support/live';
import { REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startVoiceServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

const noVoice = findProgram('espeak-ng') ? undefined : 'espeak-ng is not installed (scripts/voice-env.sh installs it)';

/** Milliseconds of assistant audio in binary frames (a 4-byte sample rate, then s16le PCM). */
const audioMs = (frames: Buffer[]) => frames.reduce((sum, frame) => sum + ((frame.length - 4) / 2 / frame.readUInt32LE(0)) * 1000, 0);
const assistantTurn = (frames: ServerFrame[]) => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant');

describe('playback reported by the page', { skip: noVoice, timeout: 60_000 }, () => {
  const dir = tempDir('playback');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;

  before(async () => {
    model = await startOpenAIStandIn({ latency: { ttfbMs: 10, interTokenMs: 2 } });
    server = await startVoiceServer(dir.path, model.baseURL, { PATH: process.env.PATH });
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  /** Asks a question aloud through a webview capture, with an answer of a few seconds' speech. */
  async function ask(): Promise<LiveClient> {
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'Because the list has two items, and the test expects three of them in order.' });
    const live = await connectLive(server);
    live.socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'webview' }));
    await waitFor(() => live.frames.find((frame) => frame.type === 'capture' && frame.state === 'listening'), { what: 'listening' });
    const pcm = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    const speech = Buffer.concat([Buffer.alloc(16_000), pcm, Buffer.alloc(48_000)]);
    for (let offset = 0; offset < speech.length; offset += 640) live.socket.send(speech.subarray(offset, offset + 640));
    return live;
  }

  async function stop(live: LiveClient): Promise<void> {
    live.socket.send(JSON.stringify({ type: 'capture', action: 'stop' }));
    await waitFor(() => live.frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped'), { what: 'stopped' });
    live.socket.close();
  }

  it('commits a spoken answer as soon as the page has played it all, before the server clock would', async () => {
    const live = await ask();
    const start = await waitFor(() => live.frames.find((frame) => frame.type === 'playback' && frame.action === 'start'), {
      timeoutMs: 30_000,
      what: 'the answer to be announced',
    });
    const answer = start.type === 'playback' && start.action === 'start' ? start.answer : -1;
    // A page that plays at once: every chunk played as it arrives, reported done.
    let reported = 0;
    let firstAudioAt: number | undefined;
    const report = () => {
      if (live.audio.length === reported) return;
      reported = live.audio.length;
      firstAudioAt ??= performance.now();
      live.socket.send(JSON.stringify({ type: 'playback', answer, playedMs: audioMs(live.audio), state: 'done' }));
    };
    live.socket.on('message', report);
    report();
    const turn = await waitFor(() => assistantTurn(live.frames), { timeoutMs: 30_000, what: 'the answer to be committed' });
    const committedAfterMs = performance.now() - firstAudioAt!;
    const spokenMs = audioMs(live.audio);
    assert.ok(turn.type === 'turn' && turn.turn.interrupted === false && turn.turn.text.startsWith('Because the list'));
    assert.ok(spokenMs > 2_000, `a few seconds of speech (${Math.round(spokenMs)} ms)`);
    assert.ok(committedAfterMs < spokenMs / 2, `committed ${Math.round(committedAfterMs)} ms after the first audio, for ${Math.round(spokenMs)} ms of speech`);
    assert.equal(live.closedWith, undefined, 'the reports are frames the server accepts');
    await stop(live);
  });

  it('times a page that reports nothing by the server clock', async () => {
    const live = await ask();
    await waitFor(() => live.audio.length > 0, { timeoutMs: 30_000, what: 'the answer’s voice' });
    const firstAudioAt = performance.now();
    await waitFor(() => assistantTurn(live.frames), { timeoutMs: 30_000, what: 'the answer to be committed' });
    const committedAfterMs = performance.now() - firstAudioAt;
    const spokenMs = audioMs(live.audio);
    assert.ok(
      committedAfterMs > spokenMs - 300,
      `committed ${Math.round(committedAfterMs)} ms after the first audio, for ${Math.round(spokenMs)} ms of speech`,
    );
    await stop(live);
  });
});
