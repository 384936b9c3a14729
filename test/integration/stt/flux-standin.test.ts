/**
 * The Flux stand-in (`/v2/listen`) against the official SDK, unchanged and pointed by base URL:
 * the proof that what the provider tests exercise is Deepgram's wire protocol.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import { waitFor } from '../../support/poll';
import { chunkPcm, silence, startDeepgramStandIn, type DeepgramStandIn, type FluxCue } from '../../support/standins';
import { clip } from './support';

type Message = { type: string; event?: string; transcript?: string; trigger?: string; sequence_id?: number } & Record<string, unknown>;

const SPEECH = Buffer.concat([clip('why_failing.wav'), silence(700, 16000)]);

async function connectFlux(client: DeepgramClient, extra: Record<string, string | number> = {}) {
  const connection = await client.listen.v2.connect({
    model: 'flux-general-en',
    encoding: 'linear16',
    sample_rate: 16000,
    shouldReconnect: () => false,
    reconnectAttempts: 0,
    ...extra,
  });
  const messages: Message[] = [];
  const closes: number[] = [];
  connection.on('message', (message) => messages.push(message as unknown as Message));
  connection.on('close', (event) => closes.push(event.code));
  connection.connect();
  await connection.waitForOpen();
  return { connection, messages, closes };
}

const turnEvents = (messages: Message[]) => messages.filter((m) => m.type === 'TurnInfo' && m.event !== 'Update').map((m) => [m.event, m.transcript]);

describe('Deepgram stand-in: Flux (/v2/listen) through the official SDK', () => {
  let standIn: DeepgramStandIn;
  let client: DeepgramClient;

  before(async () => {
    standIn = await startDeepgramStandIn({ apiKey: 'dg-test' });
    client = new DeepgramClient({ apiKey: 'dg-test', baseUrl: standIn.baseUrl });
  });
  after(() => standIn.close());

  it('says Connected, opens the turn, sends an Update per 250 ms of audio and ends the turn on its model', async () => {
    standIn.flux.push([
      { atMs: 300, event: 'Update', transcript: 'why is' },
      { atMs: 900, event: 'Update', transcript: 'why is this test' },
      { atMs: 1900, event: 'EndOfTurn', transcript: 'Why is this test failing?' },
    ]);
    const { connection, messages } = await connectFlux(client);
    for (const chunk of chunkPcm(SPEECH, 100, 16000)) connection.sendMedia(chunk);
    await waitFor(() => messages.some((m) => m.event === 'EndOfTurn'), { what: 'EndOfTurn' });
    connection.close();

    assert.equal(messages[0]!.type, 'Connected');
    assert.deepEqual(
      messages.map((m) => m.sequence_id),
      messages.map((_m, i) => i),
      'sequence ids count every message from 0',
    );
    assert.deepEqual(turnEvents(messages), [
      ['StartOfTurn', ''],
      ['EndOfTurn', 'Why is this test failing?'],
    ]);
    const end = messages.find((m) => m.event === 'EndOfTurn')!;
    assert.equal(end.trigger, 'model');
    assert.equal(end.turn_index, 0);
    assert.deepEqual(
      (end.words as { word: string }[]).map((w) => w.word),
      ['Why', 'is', 'this', 'test', 'failing?'],
    );
    const updates = messages.filter((m) => m.event === 'Update');
    assert.ok(updates.length >= 6, `${updates.length} Updates for 2.5 s of audio`);
    assert.ok(updates.some((m) => m.transcript === 'why is this test'));
  });

  it('sends EagerEndOfTurn and TurnResumed only when eager_eot_threshold was given', async () => {
    const cues: FluxCue[] = [
      { atMs: 600, event: 'EagerEndOfTurn', transcript: 'why is this' },
      { atMs: 900, event: 'TurnResumed', transcript: 'why is this test' },
      { atMs: 1500, event: 'EagerEndOfTurn', transcript: 'why is this test failing' },
      { atMs: 1800, event: 'EndOfTurn' },
    ];
    standIn.flux.push(cues, cues);
    const eager = await connectFlux(client, { eager_eot_threshold: 0.5 });
    const plain = await connectFlux(client);
    for (const { connection } of [eager, plain]) for (const chunk of chunkPcm(SPEECH, 100, 16000)) connection.sendMedia(chunk);
    await waitFor(() => [eager, plain].every(({ messages }) => messages.some((m) => m.event === 'EndOfTurn')), { what: 'both EndOfTurns' });
    eager.connection.close();
    plain.connection.close();

    assert.deepEqual(turnEvents(eager.messages), [
      ['StartOfTurn', ''],
      ['EagerEndOfTurn', 'why is this'],
      ['TurnResumed', 'why is this test'],
      ['EagerEndOfTurn', 'why is this test failing'],
      ['EndOfTurn', 'why is this test failing'],
    ]);
    assert.deepEqual(turnEvents(plain.messages), [
      ['StartOfTurn', ''],
      ['EndOfTurn', 'why is this test failing'],
    ]);
    assert.ok(
      plain.messages.some((m) => m.event === 'Update' && m.transcript === 'why is this'),
      'the eager text came as an Update',
    );
    assert.equal(standIn.fluxSessions.at(-2)!.request.query.eager_eot_threshold, '0.5');
  });

  it('puts TurnResumed before an EndOfTurn whose text changed after the EagerEndOfTurn, as Flux guarantees', async () => {
    standIn.flux.push([
      { atMs: 600, event: 'EagerEndOfTurn', transcript: 'why is this' },
      { atMs: 1500, event: 'EndOfTurn', transcript: 'why is this test failing' },
    ]);
    const { connection, messages } = await connectFlux(client, { eager_eot_threshold: 0.4 });
    for (const chunk of chunkPcm(SPEECH, 100, 16000)) connection.sendMedia(chunk);
    await waitFor(() => messages.some((m) => m.event === 'EndOfTurn'), { what: 'EndOfTurn' });
    connection.close();
    assert.deepEqual(turnEvents(messages).slice(1), [
      ['EagerEndOfTurn', 'why is this'],
      ['TurnResumed', 'why is this test failing'],
      ['EndOfTurn', 'why is this test failing'],
    ]);
  });

  it('ends the open turn on ForceEndTurn (trigger manual) and skips the rest of its script; ignores it with no turn open', async () => {
    standIn.flux.push([
      { atMs: 500, event: 'Update', transcript: 'run the' },
      { atMs: 1500, event: 'EndOfTurn', transcript: 'run the tests' },
      { atMs: 2000, event: 'EndOfTurn', transcript: 'please' },
    ]);
    const { connection, messages } = await connectFlux(client);
    connection.sendForceEndTurn({ type: 'ForceEndTurn' });
    connection.sendMedia(silence(600, 16000));
    await waitFor(() => messages.some((m) => m.transcript === 'run the'), { what: 'the Update' });
    connection.sendForceEndTurn({ type: 'ForceEndTurn' });
    connection.sendMedia(silence(1600, 16000));
    await waitFor(() => messages.filter((m) => m.event === 'EndOfTurn').length === 2, { what: 'two EndOfTurns' });
    connection.close();
    const ends = messages.filter((m) => m.event === 'EndOfTurn');
    assert.deepEqual(
      ends.map((m) => [m.transcript, m.trigger, m.turn_index]),
      [
        ['run the', 'manual', 0],
        ['please', 'model', 1],
      ],
    );
  });

  it('ends a turn eot_timeout_ms after its last cue (trigger timeout)', async () => {
    standIn.flux.push([{ atMs: 200, event: 'Update', transcript: 'hmm' }]);
    const { connection, messages } = await connectFlux(client, { eot_timeout_ms: 600 });
    connection.sendMedia(silence(1000, 16000));
    const end = await waitFor(() => messages.find((m) => m.event === 'EndOfTurn'), { what: 'EndOfTurn' });
    connection.close();
    assert.deepEqual([end.transcript, end.trigger], ['hmm', 'timeout']);
  });

  it('answers Configure with the thresholds in force, and refuses out-of-range ones', async () => {
    const { connection, messages } = await connectFlux(client);
    connection.sendConfigure({ type: 'Configure', thresholds: { eager_eot_threshold: 0.4, eot_threshold: 0.8 } });
    connection.sendConfigure({ type: 'Configure', thresholds: { eot_threshold: 0.2 } });
    await waitFor(() => messages.some((m) => m.type === 'ConfigureFailure'), { what: 'ConfigureFailure' });
    connection.close();
    const success = messages.find((m) => m.type === 'ConfigureSuccess')!;
    assert.deepEqual(success.thresholds, { eot_threshold: 0.8, eager_eot_threshold: 0.4, eot_timeout_ms: 5000 });
  });

  it('on CloseStream sends a last Update and closes with no status code, without an EndOfTurn', async () => {
    standIn.flux.push([{ atMs: 300, event: 'Update', transcript: 'why is' }]);
    const { connection, messages, closes } = await connectFlux(client);
    connection.sendMedia(silence(400, 16000));
    connection.sendCloseStream({ type: 'CloseStream' });
    await waitFor(() => closes.length > 0, { what: 'server close' });
    assert.equal(closes[0], 1005);
    assert.equal(messages.at(-1)!.event, 'Update');
    assert.equal(messages.at(-1)!.transcript, 'why is');
    assert.ok(!messages.some((m) => m.event === 'EndOfTurn'));
    assert.deepEqual(standIn.fluxSessions.at(-1)!.controls, ['CloseStream']);
  });

  it("refuses /v1's KeepAlive with Flux's Error message and closes", async () => {
    const { connection, messages, closes } = await connectFlux(client);
    (connection as unknown as { sendJson(message: object): void }).sendJson({ type: 'KeepAlive' });
    await waitFor(() => closes.length > 0, { what: 'server close' });
    const error = messages.find((m) => m.type === 'Error')!;
    assert.equal(error.code, 'UNPARSABLE_CLIENT_MESSAGE');
  });

  it('refuses a handshake with a non-Flux model or thresholds out of range (400), and a wrong key (401)', async () => {
    const refused = async (dg: DeepgramClient, args: Record<string, string | number>) => {
      const connection = await dg.listen.v2.connect({
        model: 'flux-general-en',
        encoding: 'linear16',
        sample_rate: 16000,
        shouldReconnect: () => false,
        reconnectAttempts: 0,
        ...args,
      });
      connection.connect();
      await assert.rejects(connection.waitForOpen());
      connection.close();
    };
    await refused(client, { model: 'nova-3' });
    await refused(client, { eot_threshold: 0.3 });
    await refused(client, { eot_threshold: 0.6, eager_eot_threshold: 0.8 });
    await refused(new DeepgramClient({ apiKey: 'dg-wrong', baseUrl: standIn.baseUrl }), {});
    assert.equal(standIn.fluxSessions.filter((s) => s.request.query.model === 'nova-3').length, 0);
  });

  it('sends each message ttfbMs after the audio that triggers it', async () => {
    standIn.latency.ttfbMs = 120;
    try {
      standIn.flux.push([{ atMs: 100, event: 'EndOfTurn', transcript: 'stop' }]);
      const { connection, messages } = await connectFlux(client);
      const sentAt = performance.now();
      connection.sendMedia(silence(200, 16000));
      await waitFor(() => messages.some((m) => m.event === 'EndOfTurn'), { what: 'EndOfTurn' });
      const arrivedAfter = performance.now() - sentAt;
      connection.close();
      assert.ok(arrivedAfter >= 120, `EndOfTurn ${arrivedAfter} ms after the audio`);
    } finally {
      standIn.latency.ttfbMs = 0;
    }
  });
});
