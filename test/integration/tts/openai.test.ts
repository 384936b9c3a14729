import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { MAX_CLAUSE_CHARS, createTtsStage } from '../../../server/providers/tts';
import { CODE_HINT, ClauseSplitter } from '../../../server/voice/speech';
import { waitFor } from '../../support/poll';
import { encodeWav } from '../../../server/audio/wav';
import { OPENAI_SPEECH_SAMPLE_RATE, speechFor, speechMsFor, startOpenAIStandIn, tone, type OpenAIStandIn } from '../../support/standins';
import { FAST_RESILIENCE, Recording, capturingLog } from './record';
import { KEY_SAMPLES } from '../../support/secrets';

function speechStage(baseUrl: string, key = 'sk-test') {
  const settings: ParleySettings = { ...DEFAULT_SETTINGS, tts: { provider: 'openai', model: '', baseUrl } };
  return createTtsStage(settings, new Keys({ OPENAI_API_KEY: key }), capturingLog().log, { resilience: FAST_RESILIENCE });
}

const speechRequests = (standIn: OpenAIStandIn) => standIn.requests.filter((r) => r.path === '/v1/audio/speech');

describe('OpenAI speech against the stand-in', () => {
  let standIn: OpenAIStandIn;

  before(async () => {
    standIn = await startOpenAIStandIn({ apiKey: 'sk-test' });
  });
  after(() => standIn.close());

  it('asks for 24 kHz PCM per clause and delivers each clause whole and in order', async () => {
    standIn.latency.interTokenMs = 10;
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    const clauses = ['Why is this test failing?', 'The mock returns null,', 'and the assertion wants a string.'];
    const before = speechRequests(standIn).length;
    try {
      for (const clause of clauses) tts.pushText(clause);
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });

      assert.deepEqual(
        got.done.map((d) => d.text),
        clauses,
      );
      for (const done of got.done) {
        assert.equal(got.samples(done.segmentId).length, speechFor(done.text, OPENAI_SPEECH_SAMPLE_RATE).length / 2);
        assert.equal(Math.round(done.audioMs), Math.round(speechMsFor(done.text)));
      }
      const order = got.audio.map((a) => a.segmentId);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        'no clause is heard before the one before it is done',
      );
      assert.ok(got.audio.every((a) => a.sampleRate === 24_000 && a.durationMs <= 100));

      // The first two requests run at once (one ahead), so they may arrive in either order.
      const requests = speechRequests(standIn).slice(before);
      const inputOf = (i: number) => (requests[i]!.body as { input: string }).input;
      assert.deepEqual([inputOf(0), inputOf(1)].sort(), [clauses[0], clauses[1]].sort());
      assert.equal(inputOf(2), clauses[2]);
      assert.deepEqual(requests.find((r) => (r.body as { input: string }).input === clauses[0])!.body, {
        model: 'gpt-4o-mini-tts',
        voice: 'alloy',
        input: clauses[0],
        response_format: 'pcm',
      });
      // At most one request runs ahead: the third is asked for only once the first is done.
      assert.ok(requests[2]!.receivedAt >= got.done[0]!.at, 'the third request waits for the first clause');
    } finally {
      standIn.latency.interTokenMs = 0;
      await tts.close();
    }
  });

  it('speaks a streamed Markdown reply clause by clause, never its code', async () => {
    const before = speechRequests(standIn).length;
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    const splitter = new ClauseSplitter();
    const reply =
      '## Cause\nThe **mock** returns `null`.\n```ts\nexpect(result).toBe("ok");\n```\nFix the fixture in [setup](https://example.com/setup.ts), then rerun.';
    try {
      for (let i = 0; i < reply.length; i += 4) for (const clause of splitter.push(reply.slice(i, i + 4))) tts.pushText(clause);
      for (const clause of splitter.flush()) tts.pushText(clause);
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.deepEqual(
        got.done.map((d) => d.text),
        ['Cause', 'The mock returns null.', CODE_HINT, 'Fix the fixture in setup,', 'then rerun.'],
      );
      const inputs = speechRequests(standIn)
        .slice(before)
        .map((r) => (r.body as { input: string }).input);
      assert.ok(!inputs.some((input) => /expect|```|\*\*|https?:/.test(input)), 'no code or Markdown reaches the voice');
    } finally {
      await tts.close();
    }
  });

  it('clear() aborts the request in flight and the one ahead, long before they would end', async () => {
    standIn.latency.interTokenMs = 50;
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    try {
      const long = 'This answer would take several seconds to stream in full, chunk by chunk, from the server. '.repeat(2).trim();
      tts.pushText(long);
      tts.pushText('And this one is already being synthesized.');
      tts.flush();
      await waitFor(() => got.audio.length > 0, { what: 'first audio' });
      const clearStarted = performance.now();
      await tts.clear();
      const clearMs = performance.now() - clearStarted;
      const audioAtClear = got.audio.length;
      const streamLeftMs = (speechMsFor(long) / 100) * 50;

      assert.ok(clearMs < streamLeftMs / 2, `clear() took ${Math.round(clearMs)} ms; the stream had ~${Math.round(streamLeftMs)} ms left`);
      assert.deepEqual([got.done.length, got.errors.length], [0, 0]);
      assert.deepEqual(
        got.metrics.map((m) => m.cancelled),
        [true],
      );

      tts.pushText('Yes?');
      tts.flush();
      await waitFor(() => got.metrics.length === 2, { what: 'the next turn' });
      assert.ok(
        got.audio.slice(audioAtClear).every((a) => a.segmentId === got.done[0]!.segmentId),
        'after clear() only the new text is heard',
      );
    } finally {
      standIn.latency.interTokenMs = 0;
      await tts.close();
    }
  });

  it('retries a 503 through the guard and then speaks', async () => {
    const before = speechRequests(standIn).length;
    standIn.failNext({ kind: 'status', status: 503 }, { path: '/v1/audio/speech' });
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Second time lucky.');
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.deepEqual([got.done.map((d) => d.text), got.errors.length, speechRequests(standIn).length - before], [['Second time lucky.'], 0, 2]);
    } finally {
      await tts.close();
    }
  });

  it('reports a refused key as not retryable, after one request', async () => {
    const before = speechRequests(standIn).length;
    const tts = speechStage(standIn.baseURL, 'sk-wrong').stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Hello.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.deepEqual([error!.error.retryable, error!.error.provider, speechRequests(standIn).length - before], [false, 'openai', 1]);
      assert.match(error!.error.message, /401/);
    } finally {
      await tts.close();
    }
  });

  it('reports an answer that is not audio as a clear, not retryable error', async () => {
    standIn.failNext({ kind: 'garbage' }, { path: '/v1/audio/speech' });
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Hello.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.equal(error!.error.retryable, false);
      assert.match(error!.error.message, /answered with application\/json instead of PCM audio/);
      assert.equal(got.audio.length, 0);
    } finally {
      await tts.close();
    }
  });

  it('ignores empty and unspeakable clauses, and cuts a very long one at word boundaries', async () => {
    const before = speechRequests(standIn).length;
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    try {
      for (const nothing of ['', '   ', '\n\t', '...', '—', '**']) tts.pushText(nothing);
      const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
      tts.pushText(long);
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      const inputs = speechRequests(standIn)
        .slice(before)
        .map((r) => (r.body as { input: string }).input);
      assert.ok(
        inputs.length > 1 && inputs.every((input) => input.length <= MAX_CLAUSE_CHARS),
        `inputs of ${inputs.map((i) => i.length).join(', ')} characters`,
      );
      assert.equal(got.done.map((d) => d.text).join(' '), long, 'nothing lost, no word cut, in order');
      assert.equal(got.done.length, inputs.length);
    } finally {
      await tts.close();
    }
  });

  it('never sends a key-shaped string the model wrote to the speech provider', async () => {
    const before = speechRequests(standIn).length;
    const tts = speechStage(standIn.baseURL).stream();
    const got = new Recording(tts);
    try {
      tts.pushText(`Your token is ${KEY_SAMPLES['GitHub token']}, keep it safe.`);
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      const inputs = speechRequests(standIn)
        .slice(before)
        .map((r) => (r.body as { input: string }).input);
      assert.deepEqual(inputs, ['Your token is [redacted], keep it safe.']);
    } finally {
      await tts.close();
    }
  });
});

/** A compatible server that answers every speech request with the same body, as some do. */
async function fixedSpeechServer(body: Buffer, contentType: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

describe('OpenAI-compatible speech servers', () => {
  it('reads a WAV answer, at the rate its header gives', async () => {
    const pcm = tone({ ms: 300, sampleRate: 16_000 });
    const { url, server } = await fixedSpeechServer(encodeWav(pcm, 16_000), 'audio/wav');
    const tts = speechStage(url).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('From a local server.');
      tts.flush();
      await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
      assert.ok(got.audio.every((a) => a.sampleRate === 16_000));
      assert.equal(got.samples(got.done[0]!.segmentId).length, pcm.length / 2);
    } finally {
      await tts.close();
      server.close();
    }
  });

  it('reports audio of an odd byte length as not 16-bit PCM', async () => {
    const { url, server } = await fixedSpeechServer(Buffer.alloc(4_801, 1), 'audio/pcm');
    const tts = speechStage(url).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Broken audio.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.match(error!.error.message, /not 16-bit PCM \(an odd number of bytes\)/);
      assert.equal(error!.error.retryable, false);
      assert.equal(got.done.length, 0);
    } finally {
      await tts.close();
      server.close();
    }
  });

  it('reports an mp3 answer instead of playing noise', async () => {
    const { url, server } = await fixedSpeechServer(Buffer.from('ID3\u0004\u0000fake mp3 frames'), 'audio/mpeg');
    const tts = speechStage(url).stream();
    const got = new Recording(tts);
    try {
      tts.pushText('Compressed audio.');
      tts.flush();
      const [error] = await waitFor(() => got.errors.length > 0 && got.errors, { what: 'error' });
      assert.match(error!.error.message, /audio\/mpeg instead of PCM audio/);
      assert.equal(got.audio.length, 0);
    } finally {
      await tts.close();
      server.close();
    }
  });
});
