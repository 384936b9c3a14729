import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { REPO } from '../../support/paths';
import { waitFor } from '../../support/poll';
import { decodeWav } from '../../../server/audio/wav';
import { chunkPcm, silence, startDeepgramStandIn, type DeepgramStandIn, type ListenCue } from '../../support/standins';

type Message = { type: string } & Record<string, unknown>;

const CLIP = join(REPO, '..', 'shared', 'audio', 'why_failing.wav');

const CUES: ListenCue[] = [
  { atMs: 100, type: 'SpeechStarted' },
  { atMs: 500, type: 'interim', transcript: 'why is' },
  { atMs: 1200, type: 'final', transcript: 'why is this test failing' },
  { atMs: 1500, type: 'UtteranceEnd' },
  { atMs: 2000, type: 'interim', transcript: 'run the' },
];

/** The SDK connection with the options Parley uses; reconnecting is off so a server close is final. */
async function connectListen(client: DeepgramClient, extra: Record<string, string | number> = {}) {
  const connection = await client.listen.v1.connect({
    model: 'nova-3',
    encoding: 'linear16',
    sample_rate: 16000,
    channels: 1,
    interim_results: 'true',
    endpointing: 300,
    utterance_end_ms: 1000,
    vad_events: 'true',
    shouldReconnect: () => false,
    ...extra,
  });
  const messages: Message[] = [];
  const closes: { code: number; reason?: string }[] = [];
  connection.on('message', (message) => messages.push(message as unknown as Message));
  connection.on('close', (event) => closes.push({ code: event.code, reason: event.reason }));
  connection.connect();
  await connection.waitForOpen();
  return { connection, messages, closes };
}

const ofType = (messages: Message[], type: string) => messages.filter((m) => m.type === type);
const transcriptOf = (m: Message) => (m.channel as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript;

describe('Deepgram stand-in: live transcription through the official SDK', () => {
  let standIn: DeepgramStandIn;
  let client: DeepgramClient;
  let speech: Buffer;

  before(async () => {
    standIn = await startDeepgramStandIn({ apiKey: 'dg-test' });
    client = new DeepgramClient({ apiKey: 'dg-test', baseUrl: standIn.baseUrl });
    const wav = decodeWav(await readFile(CLIP));
    assert.equal(wav.sampleRate, 16000);
    speech = Buffer.concat([wav.pcm, silence(500, 16000)]);
  });
  after(() => standIn.close());

  it('plays the cue script against the audio sent: SpeechStarted, interim, final, UtteranceEnd', async () => {
    standIn.listen.push(CUES);
    const { connection, messages, closes } = await connectListen(client);
    for (const chunk of chunkPcm(speech, 100, 16000)) connection.sendMedia(chunk);
    await waitFor(() => ofType(messages, 'Results').length >= 3, { what: 'three Results' });

    const [started] = ofType(messages, 'SpeechStarted');
    assert.equal(started?.timestamp, 0.1);
    const [interim, final, second] = ofType(messages, 'Results');
    assert.deepEqual([transcriptOf(interim!), interim!.is_final, interim!.speech_final], ['why is', false, false]);
    assert.deepEqual([transcriptOf(final!), final!.is_final, final!.speech_final], ['why is this test failing', true, true]);
    assert.equal(final!.start, 0);
    assert.equal(final!.duration, 1.2);
    assert.equal(transcriptOf(second!), 'run the');
    assert.deepEqual(ofType(messages, 'UtteranceEnd')[0]?.last_word_end, 1.2);

    connection.sendFinalize({ type: 'Finalize' });
    const finalized = await waitFor(() => ofType(messages, 'Results').find((m) => m.from_finalize === true), { what: 'from_finalize result' });
    assert.deepEqual([transcriptOf(finalized), finalized.is_final, finalized.speech_final], ['run the', true, false]);

    connection.sendKeepAlive({ type: 'KeepAlive' });
    connection.sendKeepAlive({ type: 'KeepAlive' });
    const session = standIn.listenSessions.at(-1)!;
    await waitFor(() => session.keepAlives === 2, { what: 'two KeepAlives recorded' });

    connection.sendCloseStream({ type: 'CloseStream' });
    await waitFor(() => closes.length > 0, { what: 'server close' });
    const metadata = ofType(messages, 'Metadata');
    assert.equal(metadata.length, 1, 'one Metadata, at the end');
    assert.equal(metadata[0]!.duration, 2.362);
    assert.equal(closes[0]!.code, 1000);
    assert.deepEqual(session.controls, ['Finalize', 'KeepAlive', 'KeepAlive', 'CloseStream']);
  });

  it('records the handshake: Token auth and the query parameters the SDK sent', async () => {
    const { connection } = await connectListen(client);
    const { request } = standIn.listenSessions.at(-1)!;
    connection.close();
    assert.equal(request.headers.authorization, 'Token dg-test');
    assert.deepEqual(
      [
        request.query.model,
        request.query.encoding,
        request.query.sample_rate,
        request.query.interim_results,
        request.query.endpointing,
        request.query.utterance_end_ms,
        request.query.vad_events,
      ],
      ['nova-3', 'linear16', '16000', 'true', '300', '1000', 'true'],
    );
  });

  it('sends no interim results, SpeechStarted or speech_final when the connection did not ask for them', async () => {
    standIn.listen.push(CUES);
    const { connection, messages } = await connectListen(client, { interim_results: 'false', vad_events: 'false', endpointing: 'false' });
    for (const chunk of chunkPcm(speech, 100, 16000)) connection.sendMedia(chunk);
    connection.sendCloseStream({ type: 'CloseStream' });
    await waitFor(() => ofType(messages, 'Metadata').length === 1, { what: 'Metadata' });
    connection.close();

    assert.deepEqual(ofType(messages, 'SpeechStarted'), []);
    const results = ofType(messages, 'Results');
    assert.deepEqual(
      results.map((m) => [transcriptOf(m), m.is_final, m.speech_final]),
      [['why is this test failing', true, false]],
    );
  });

  it('sends each result ttfbMs after the audio that triggers it', async () => {
    standIn.latency.ttfbMs = 120;
    try {
      standIn.listen.push([{ atMs: 200, type: 'final', transcript: 'stop' }]);
      const { connection, messages } = await connectListen(client);
      const sentAt = performance.now();
      connection.sendMedia(silence(300, 16000));
      await waitFor(() => ofType(messages, 'Results').length === 1, { what: 'the final' });
      const arrivedAfter = performance.now() - sentAt;
      connection.close();
      assert.ok(arrivedAfter >= 120, `result ${arrivedAfter} ms after the audio`);
    } finally {
      standIn.latency.ttfbMs = 0;
    }
  });

  it('rejects a wrong key at the handshake, as the API does with 401', async () => {
    const intruder = new DeepgramClient({ apiKey: 'dg-wrong', baseUrl: standIn.baseUrl });
    const connection = await intruder.listen.v1.connect({
      model: 'nova-3',
      encoding: 'linear16',
      sample_rate: 16000,
      shouldReconnect: () => false,
      reconnectAttempts: 0,
    });
    connection.connect();
    await assert.rejects(connection.waitForOpen());
    connection.close();
    assert.equal(standIn.requests.at(-1)!.headers.authorization, 'Token dg-wrong');
  });
});

describe('Deepgram stand-in: idle sockets', () => {
  it('closes a socket that gets neither audio nor KeepAlive with 1011 NET-0001', async () => {
    const standIn = await startDeepgramStandIn({ idleTimeoutMs: 150 });
    try {
      const client = new DeepgramClient({ apiKey: 'dg-test', baseUrl: standIn.baseUrl });
      const { closes } = await connectListen(client);
      const [closed] = await waitFor(() => closes.length > 0 && closes, { what: 'idle close' });
      assert.equal(closed!.code, 1011);
      assert.match(closed!.reason ?? '', /net0001/i);
    } finally {
      await standIn.close();
    }
  });
});
