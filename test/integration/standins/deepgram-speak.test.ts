import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { waitFor } from '../../support/poll';
import { decodeWav } from '../../../server/audio/wav';
import { speechFor, startDeepgramStandIn, type DeepgramStandIn } from '../../support/standins';

/** Everything the speak socket delivered, in order; audio arrives as Blob, control messages as objects. */
type Received = { audio: Blob; at: number } | { control: { type: string; sequence_id?: number }; at: number };

async function connectSpeak(client: DeepgramClient) {
  const connection = await client.speak.v1.connect({ model: 'aura-2-thalia-en', encoding: 'linear16', sample_rate: '24000', shouldReconnect: () => false });
  const received: Received[] = [];
  const closes: number[] = [];
  connection.on('message', (message) => {
    const at = performance.now();
    received.push(message instanceof Blob ? { audio: message, at } : { control: message as { type: string }, at });
  });
  connection.on('close', (event) => closes.push(event.code));
  connection.connect();
  await connection.waitForOpen();
  return { connection, received, closes };
}

const controlIndex = (received: Received[], type: string, sequenceId?: number) =>
  received.findIndex((r) => 'control' in r && r.control.type === type && (sequenceId === undefined || r.control.sequence_id === sequenceId));

const audioBytes = (received: Received[]) => received.reduce((sum, r) => sum + ('audio' in r ? r.audio.size : 0), 0);

describe('Deepgram stand-in: Aura text-to-speech through the official SDK', () => {
  let standIn: DeepgramStandIn;
  let client: DeepgramClient;

  before(async () => {
    standIn = await startDeepgramStandIn();
    client = new DeepgramClient({ apiKey: 'dg-test', baseUrl: standIn.baseUrl });
  });
  after(() => standIn.close());

  it('streams linear16 audio for the buffered text on Flush, then Flushed, first audio after ttfbMs', async () => {
    standIn.latency.ttfbMs = 100;
    try {
      const { connection, received } = await connectSpeak(client);
      connection.sendText({ type: 'Speak', text: 'The test fails ' });
      connection.sendText({ type: 'Speak', text: 'because the mock is stale.' });
      const flushedAt = performance.now();
      connection.sendFlush({ type: 'Flush' });
      await waitFor(() => controlIndex(received, 'Flushed', 0) >= 0, { what: 'Flushed 0' });

      const firstAudio = received.find((r) => 'audio' in r)!;
      assert.ok(firstAudio.at - flushedAt >= 100, `first audio ${firstAudio.at - flushedAt} ms after Flush`);
      assert.equal(audioBytes(received), speechFor('The test fails because the mock is stale.', 24000).length);
      assert.ok(received.findLastIndex((r) => 'audio' in r) < controlIndex(received, 'Flushed', 0), 'Flushed comes after the audio');
      assert.equal(controlIndex(received, 'Metadata'), 0, 'Metadata comes first');
      assert.deepEqual(standIn.speakSessions.at(-1)!.texts, ['The test fails ', 'because the mock is stale.']);
      connection.close();
    } finally {
      standIn.latency.ttfbMs = 0;
    }
  });

  it('stops audio at once on Clear, answers Cleared, and speaks only new text afterwards', async () => {
    standIn.latency.interTokenMs = 25;
    try {
      const { connection, received } = await connectSpeak(client);
      connection.sendText({ type: 'Speak', text: 'A long answer that the user is about to interrupt with a new question.' });
      connection.sendFlush({ type: 'Flush' });
      await waitFor(() => received.some((r) => 'audio' in r), { what: 'first audio' });
      connection.sendClear({ type: 'Clear' });
      await waitFor(() => controlIndex(received, 'Cleared') >= 0, { what: 'Cleared' });
      const clearedAt = controlIndex(received, 'Cleared');
      const beforeClear = audioBytes(received.slice(0, clearedAt));

      connection.sendText({ type: 'Speak', text: 'Yes?' });
      connection.sendFlush({ type: 'Flush' });
      await waitFor(() => controlIndex(received, 'Flushed', 1) >= 0, { what: 'Flushed 1' });

      assert.ok(beforeClear < speechFor('A long answer that the user is about to interrupt with a new question.', 24000).length, 'the long answer was cut');
      assert.equal(audioBytes(received.slice(clearedAt)), speechFor('Yes?', 24000).length, 'after Cleared only the new text is heard');
      assert.equal(controlIndex(received, 'Flushed', 0), -1, 'the cleared flush is never confirmed');
      connection.close();
    } finally {
      standIn.latency.interTokenMs = 0;
    }
  });

  it('closes the socket normally on Close', async () => {
    const { connection, closes } = await connectSpeak(client);
    connection.sendClose({ type: 'Close' });
    await waitFor(() => closes.length > 0, { what: 'close' });
    assert.equal(closes[0], 1000);
    assert.equal(standIn.speakSessions.at(-1)!.closed?.code, 1000);
  });

  it('answers REST speak with a WAV at the requested rate', async () => {
    const response = await client.speak.v1.audio.generate({
      text: 'Tests pass now.',
      model: 'aura-2-thalia-en',
      encoding: 'linear16',
      container: 'wav',
      sample_rate: 16000,
    });
    const wav = decodeWav(Buffer.from(await response.arrayBuffer()));
    assert.equal(wav.sampleRate, 16000);
    assert.equal(wav.pcm.length, speechFor('Tests pass now.', 16000).length);
    const request = standIn.requests.at(-1)!;
    assert.deepEqual([request.path, request.query.container, request.headers.authorization], ['/v1/speak', 'wav', 'Token dg-test']);
  });
});
