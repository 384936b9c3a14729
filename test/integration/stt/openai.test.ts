import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { createSttStage } from '../../../server/providers/stt/factory';
import { OpenAIStt, type OpenAISttOptions } from '../../../server/providers/stt/openai/openai';
import type { SttStream } from '../../../server/providers/stt/stt';
import { waitFor } from '../../support/poll';
import { decodeWav } from '../../../server/audio/wav';
import { pcmDurationMs } from '../../../server/audio/pcm';
import { startOpenAIStandIn, type OpenAIStandIn, type RecordedRequest } from '../../support/standins';
import { clip, FAST_GUARD, feed, ofType, quietLog, record } from './support';

const WHY = clip('why_failing.wav');
const RUN = clip('run_tests.wav');

type Upload = { file: { filename: string; bytes: Buffer }; model: string; stream?: string };
const uploads = (standIn: OpenAIStandIn): RecordedRequest[] => standIn.requests.filter((r) => r.path === '/v1/audio/transcriptions');
const form = (request: RecordedRequest) => request.body as Upload;

describe('OpenAI transcription per turn against the stand-in, through the SDK', () => {
  let standIn: OpenAIStandIn;
  const streams: SttStream[] = [];

  before(async () => {
    standIn = await startOpenAIStandIn({ apiKey: 'sk-test' });
  });
  after(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await standIn.close();
  });

  async function open(options: Partial<OpenAISttOptions> = {}, maxTurnMs?: number) {
    const stt = new OpenAIStt({ provider: 'openai', apiKey: 'sk-test', baseUrl: standIn.baseURL, resilience: FAST_GUARD, ...options }, quietLog);
    const stream = await stt.open({ maxTurnMs });
    streams.push(stream);
    return { stream, events: record(stream) };
  }

  const ended = (events: ReturnType<typeof record>, count = 1) =>
    waitFor(() => ofType(events, 'endOfTurn').length >= count && ofType(events, 'endOfTurn'), { what: `${count} end(s) of turn` });

  it('uploads the turn as a valid 16 kHz mono WAV of the right length and streams deltas as interims', async () => {
    standIn.transcripts.push('why is this test failing');
    const { stream, events } = await open();
    await feed(stream, WHY, 641);
    stream.endTurn('pushToTalk');
    const [end] = await ended(events);

    const [request] = uploads(standIn).slice(-1);
    const upload = form(request!);
    assert.equal(upload.model, 'gpt-4o-mini-transcribe');
    assert.equal(upload.stream, 'true');
    const wav = decodeWav(upload.file.bytes);
    assert.deepEqual([wav.sampleRate, wav.channels, wav.bitsPerSample], [16000, 1, 16]);
    assert.equal(wav.pcm.length, WHY.length);
    assert.ok(wav.pcm.equals(WHY), 'the audio arrives unchanged');
    assert.equal(Math.round(pcmDurationMs(wav.pcm.length, 16000)), 1862);

    assert.deepEqual(
      ofType(events, 'interim').map((e) => e.text),
      ['why', 'why is', 'why is this', 'why is this test', 'why is this test failing'],
    );
    assert.deepEqual(
      ofType(events, 'final').map((e) => e.text),
      ['why is this test failing'],
    );
    assert.deepEqual([end!.reason, end!.text, end!.audioMs, end!.provider], ['pushToTalk', 'why is this test failing', 1862, 'openai']);
    assert.ok(end!.finalizeMs! >= 0);
  });

  it('an OpenAI-compatible server gets settings.model (whisper-1: no streaming) and no key when none is set', async () => {
    const settings: ParleySettings = { ...DEFAULT_SETTINGS, stt: { provider: 'openai-compatible', model: 'whisper-1', baseUrl: standIn.baseURL } };
    const local = await startOpenAIStandIn({ transcripts: ['run the tests please'] });
    try {
      const stt = createSttStage({ ...settings, stt: { ...settings.stt, baseUrl: local.baseURL } }, new Keys({}), quietLog);
      const stream = await stt.open();
      const events = record(stream);
      await feed(stream, RUN);
      stream.endTurn('vad');
      const [end] = await ended(events);
      await stream.close();
      const [request] = uploads(local);
      assert.equal(form(request!).model, 'whisper-1');
      assert.equal(form(request!).stream, undefined);
      assert.equal(request!.headers.authorization, 'Bearer not-needed');
      assert.deepEqual(ofType(events, 'interim'), []);
      assert.deepEqual([end!.reason, end!.text, end!.provider], ['vad', 'run the tests please', 'openai-compatible']);
    } finally {
      await local.close();
    }
  });

  it('sends no request for a turn without audio, and transcribes the turns after it in order', async () => {
    standIn.transcripts.push('why is this test failing', 'run the tests please');
    const { stream, events } = await open({ stream: false });
    const before = uploads(standIn).length;
    stream.endTurn();
    await feed(stream, WHY);
    stream.endTurn();
    await feed(stream, RUN);
    stream.endTurn();
    const ends = await ended(events, 2);
    assert.equal(uploads(standIn).length - before, 2);
    assert.deepEqual(
      ends.map((e) => [e.text, e.audioMs]),
      [
        ['why is this test failing', 1862],
        ['run the tests please', 1816],
      ],
    );
  });

  it('an empty transcript ends the turn silently', async () => {
    standIn.transcripts.push('', 'stop');
    const { stream, events } = await open({ stream: false });
    await feed(stream, WHY);
    stream.endTurn();
    await feed(stream, clip('stop.wav'));
    stream.endTurn();
    await ended(events);
    assert.deepEqual(
      events.map((e) => [e.type, 'text' in e ? e.text : '']),
      [
        ['final', 'stop'],
        ['endOfTurn', 'stop'],
      ],
    );
  });

  it('drops a turn longer than maxTurnMs with one clear error and no request; the next turn works', async () => {
    standIn.transcripts.push('stop');
    const { stream, events } = await open({ stream: false }, 1_000);
    const before = uploads(standIn).length;
    await feed(stream, WHY);
    await feed(stream, WHY);
    stream.endTurn();
    const [failure] = ofType(events, 'error');
    assert.ok(failure, 'an error event');
    assert.equal(ofType(events, 'error').length, 1);
    assert.deepEqual([failure.fatal, failure.error.retryable], [false, false]);
    assert.match(failure.error.message, /longer than 1 s/);

    await feed(stream, clip('stop.wav'));
    stream.endTurn();
    const [end] = await ended(events);
    assert.equal(end!.text, 'stop');
    assert.equal(uploads(standIn).length - before, 1, 'only the short turn was sent');
  });

  it('a refused key (401) is a non-retryable error event; the stream stays open for later turns', async () => {
    const { stream, events } = await open({ apiKey: 'sk-wrong', stream: false });
    const before = uploads(standIn).length;
    await feed(stream, WHY);
    stream.endTurn();
    const [failure] = await waitFor(() => ofType(events, 'error').length > 0 && ofType(events, 'error'), { what: 'error event' });
    assert.equal(uploads(standIn).length - before, 1, 'not retried');
    assert.deepEqual([failure!.fatal, failure!.error.retryable], [false, false]);
    assert.match(failure!.error.message, /OpenAI refused the key \(401\)/);
    assert.equal(stream.closed, false);
  });

  it('retries a 503 through the guard and still delivers the turn', async () => {
    standIn.transcripts.push('go to the next error');
    standIn.failNext({ kind: 'status', status: 503 }, { path: '/v1/audio/transcriptions' });
    const { stream, events } = await open();
    const before = uploads(standIn).length;
    await feed(stream, clip('next_error.wav'));
    stream.endTurn();
    const [end] = await ended(events);
    assert.equal(end!.text, 'go to the next error');
    assert.equal(uploads(standIn).length - before, 2);
    assert.deepEqual(ofType(events, 'error'), []);
  });

  it('close() aborts a transcription in flight and emits nothing after it', async () => {
    standIn.transcripts.push('never delivered');
    standIn.failNext({ kind: 'hang' }, { path: '/v1/audio/transcriptions' });
    const { stream, events } = await open({ stream: false });
    const before = uploads(standIn).length;
    await feed(stream, WHY);
    stream.endTurn();
    await waitFor(() => uploads(standIn).length > before, { what: 'the request' });
    await stream.close();
    assert.deepEqual(events, []);
  });
});
