import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DeepgramClient } from '@deepgram/sdk';
import OpenAI from 'openai';
import { waitFor } from '../../support/poll';
import { startDeepgramStandIn, startOpenAIStandIn, type OpenAIStandIn } from '../../support/standins';

const CHAT = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('Stand-in faults, as the official SDKs see them', () => {
  let standIn: OpenAIStandIn;

  before(async () => {
    standIn = await startOpenAIStandIn();
  });
  after(() => standIn.close());

  // logLevel off: the SDK logs the garbage it cannot parse, which is the point of that test.
  const client = (options: { maxRetries: number; timeout?: number }) =>
    new OpenAI({ apiKey: 'sk-test', baseURL: standIn.baseURL, logLevel: 'off', ...options });
  const attemptsSince = (start: number) => standIn.requests.slice(start).filter((r) => r.path === '/v1/chat/completions');

  it('a 503 once is retried by the SDK, honouring retry-after-ms', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 503, retryAfterMs: 10 });
    const completion = await client({ maxRetries: 2 }).chat.completions.create(CHAT);
    assert.equal(completion.choices[0]?.message.content, 'OK.');
    const attempts = attemptsSince(start);
    assert.equal(attempts.length, 2);
    assert.equal(attempts[1]!.headers['x-stainless-retry-count'], '1');
  });

  it('a 429 that outlasts the retries surfaces as RateLimitError after every attempt', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 429, retryAfterMs: 5 }, { times: 3 });
    await assert.rejects(client({ maxRetries: 2 }).chat.completions.create(CHAT), OpenAI.RateLimitError);
    assert.equal(attemptsSince(start).length, 3);
  });

  it('a hung request times out on the client, and the retry succeeds', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'hang' });
    const began = performance.now();
    const completion = await client({ maxRetries: 1, timeout: 200 }).chat.completions.create(CHAT);
    assert.equal(completion.choices[0]?.message.content, 'OK.');
    assert.ok(performance.now() - began >= 200);
    assert.equal(attemptsSince(start).length, 2);
  });

  it('a hung request without retries is an APIConnectionTimeoutError', async () => {
    standIn.failNext({ kind: 'hang' });
    await assert.rejects(client({ maxRetries: 0, timeout: 100 }).chat.completions.create(CHAT), OpenAI.APIConnectionTimeoutError);
  });

  it('a dropped connection is an APIConnectionError', async () => {
    standIn.failNext({ kind: 'drop' });
    await assert.rejects(client({ maxRetries: 0 }).chat.completions.create(CHAT), OpenAI.APIConnectionError);
  });

  it('a garbage body fails to parse, plain and streaming', async () => {
    standIn.failNext({ kind: 'garbage' }, { times: 2 });
    await assert.rejects(client({ maxRetries: 0 }).chat.completions.create(CHAT));
    const stream = await client({ maxRetries: 0 }).chat.completions.create({ ...CHAT, stream: true });
    await assert.rejects(async () => {
      for await (const _chunk of stream);
    }, SyntaxError);
  });

  it('a stream cut after some events fails the iteration after delivering them', async () => {
    standIn.chat.push({ text: 'one two three four five six' });
    standIn.failNext({ kind: 'cut', afterEvents: 3 });
    const stream = await client({ maxRetries: 0 }).chat.completions.create({ ...CHAT, stream: true });
    const tokens: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) tokens.push(chunk.choices[0].delta.content);
    });
    assert.deepEqual(tokens, ['one', ' two']);
  });

  it('an in-stream error event surfaces as APIError', async () => {
    standIn.failNext({ kind: 'stream-error', afterEvents: 2, message: 'The server had an error.' });
    const stream = await client({ maxRetries: 0 }).chat.completions.create({ ...CHAT, stream: true });
    await assert.rejects(async () => {
      for await (const _chunk of stream);
    }, OpenAI.APIError);
  });

  it('stream faults wait for a streaming request; path targets leave other routes alone', async () => {
    standIn.failNext({ kind: 'cut', afterEvents: 0 });
    standIn.failNext({ kind: 'status', status: 500 }, { path: '/v1/embeddings' });
    const plain = await client({ maxRetries: 0 }).chat.completions.create(CHAT);
    assert.equal(plain.choices[0]?.message.content, 'OK.');
    await assert.rejects(client({ maxRetries: 0 }).embeddings.create({ model: 'e', input: 'x' }), OpenAI.InternalServerError);
    const stream = await client({ maxRetries: 0 }).chat.completions.create({ ...CHAT, stream: true });
    await assert.rejects(async () => {
      for await (const _chunk of stream);
    });
  });
});

describe('Stand-in faults on WebSockets', () => {
  it('a status fault refuses the handshake; a cut fault drops the socket after its messages', async () => {
    const standIn = await startDeepgramStandIn({
      defaultCues: [
        { atMs: 10, type: 'final', transcript: 'one' },
        { atMs: 20, type: 'final', transcript: 'two' },
      ],
    });
    try {
      const client = new DeepgramClient({ apiKey: 'dg-test', baseUrl: standIn.baseUrl });
      const args = { model: 'nova-3', encoding: 'linear16', sample_rate: 16000, shouldReconnect: () => false, reconnectAttempts: 0 } as const;

      standIn.failNext({ kind: 'status', status: 429 });
      const refused = await client.listen.v1.connect({ ...args });
      refused.connect();
      await assert.rejects(refused.waitForOpen());
      refused.close();

      standIn.failNext({ kind: 'cut', afterEvents: 1 });
      const cut = await client.listen.v1.connect({ ...args });
      const messages: unknown[] = [];
      const closes: number[] = [];
      cut.on('message', (m) => messages.push(m));
      cut.on('close', (event) => closes.push(event.code));
      cut.connect();
      await cut.waitForOpen();
      cut.sendMedia(Buffer.alloc(16000));
      await waitFor(() => closes.length > 0, { what: 'abnormal close' });
      assert.equal(messages.length, 1);
      assert.equal(closes[0], 1006);
    } finally {
      await standIn.close();
    }
  });
});
