import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startAnthropicStandIn, type AnthropicStandIn } from '../../support/standins';

const MODEL = 'claude-test';
const ASK: Anthropic.MessageParam[] = [{ role: 'user', content: 'why is this test failing?' }];
const TOOLS: Anthropic.Tool[] = [{ name: 'open_file', description: 'Open a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }];

describe('Anthropic stand-in: Messages API through the official SDK', () => {
  let standIn: AnthropicStandIn;
  let client: Anthropic;

  before(async () => {
    standIn = await startAnthropicStandIn({ apiKey: 'sk-ant-test' });
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: standIn.baseURL, maxRetries: 0 });
  });
  after(() => standIn.close());

  it('answers messages.create with text, stop reason and usage; records key and version headers', async () => {
    standIn.replies.push({ text: 'The fixture path is wrong.', usage: { inputTokens: 20, outputTokens: 6 } });
    const message = await client.messages.create({ model: MODEL, max_tokens: 256, messages: ASK });

    assert.deepEqual(
      message.content.map((b) => (b.type === 'text' ? b.text : b.type)),
      ['The fixture path is wrong.'],
    );
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [20, 6]);
    const { headers } = standIn.requests.at(-1)!;
    assert.ok(headers['x-api-key'] === 'sk-ant-test' || headers.authorization === 'Bearer sk-ant-test');
    assert.ok(headers['anthropic-version'], 'anthropic-version sent');
  });

  it('answers messages.create with a tool_use block whose input is an object', async () => {
    standIn.replies.push({ toolCalls: [{ name: 'open_file', input: { path: 'src/main.ts' } }] });
    const message = await client.messages.create({ model: MODEL, max_tokens: 256, messages: ASK, tools: TOOLS });
    const block = message.content[0];
    assert.equal(block?.type, 'tool_use');
    assert.deepEqual(block.type === 'tool_use' && [block.name, block.input], ['open_file', { path: 'src/main.ts' }]);
    assert.match(block.type === 'tool_use' ? block.id : '', /^toolu_/);
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('streams the real event sequence, text deltas after ttfbMs', async () => {
    standIn.latency.ttfbMs = 120;
    try {
      standIn.replies.push({ text: 'Check the mock setup first.' });
      const started = performance.now();
      const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: ASK });
      const types: string[] = [];
      const texts: string[] = [];
      let firstTextAt: number | undefined;
      stream.on('streamEvent', (event) => types.push(event.type));
      stream.on('text', (delta) => {
        firstTextAt ??= performance.now() - started;
        texts.push(delta);
      });
      const final = await stream.finalMessage();

      assert.deepEqual(
        [...new Set(types)],
        ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
      );
      assert.deepEqual(texts, ['Check', ' the', ' mock', ' setup', ' first.']);
      assert.ok(firstTextAt! >= 120, `first text after ${firstTextAt} ms`);
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 1, 'output tokens come from message_delta');
    } finally {
      standIn.latency.ttfbMs = 0;
    }
  });

  it('streams text then tool_use with input_json_delta fragments the SDK parses in the final message', async () => {
    standIn.replies.push({ text: 'Let me look.', toolCalls: [{ name: 'open_file', input: { path: 'src/util/strings.ts', line: 12 } }] });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: ASK, tools: TOOLS });
    const fragments: string[] = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const final = await stream.finalMessage();

    assert.equal(final.stop_reason, 'tool_use');
    assert.equal(final.content[0]?.type === 'text' && final.content[0].text, 'Let me look.');
    const tool = final.content[1];
    assert.equal(tool?.type, 'tool_use');
    assert.deepEqual(tool.type === 'tool_use' && tool.input, { path: 'src/util/strings.ts', line: 12 });
    assert.ok(fragments.length > 3, 'input arrives in several fragments');
  });

  it('puts a ping after the first content_block_start on the wire (the SDK hides pings)', async () => {
    standIn.replies.push({ text: 'Hi.', toolCalls: [{ name: 'open_file', input: {} }] });
    const response = await fetch(`${standIn.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 64, messages: ASK, stream: true }),
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const events = [...(await response.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(events, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('maps an HTTP 429 in Anthropic error shape to RateLimitError with its status and type', async () => {
    standIn.failNext({ kind: 'status', status: 429, message: 'Number of request tokens has exceeded your rate limit.' });
    await assert.rejects(client.messages.create({ model: MODEL, max_tokens: 64, messages: ASK }), (error) => {
      assert.ok(error instanceof Anthropic.RateLimitError);
      assert.equal(error.status, 429);
      assert.deepEqual((error.error as { error: unknown }).error, {
        type: 'rate_limit_error',
        message: 'Number of request tokens has exceeded your rate limit.',
      });
      return true;
    });
  });

  it('turns an SSE error event mid-stream into an APIError carrying the error type', async () => {
    standIn.replies.push({ text: 'This answer will be cut short by overload.' });
    standIn.failNext({ kind: 'stream-error', afterEvents: 4, errorType: 'overloaded_error', message: 'Overloaded' });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 64, messages: ASK });
    const texts: string[] = [];
    stream.on('text', (delta) => texts.push(delta));
    await assert.rejects(stream.finalMessage(), (error) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal((error.error as { error: { type: string } }).error.type, 'overloaded_error');
      return true;
    });
    assert.deepEqual(texts, ['This'], 'text before the error was delivered');
  });

  it('fails to parse a garbage stream instead of ending quietly', async () => {
    standIn.failNext({ kind: 'garbage' });
    const quiet = new Anthropic({ apiKey: 'sk-ant-test', baseURL: standIn.baseURL, maxRetries: 0, logLevel: 'off' });
    await assert.rejects(quiet.messages.stream({ model: MODEL, max_tokens: 64, messages: ASK }).finalMessage(), (error) => {
      assert.ok(error instanceof Anthropic.AnthropicError);
      assert.ok(error.cause instanceof SyntaxError, 'the stream helper wraps the parse error');
      return true;
    });
  });

  it('rejects a wrong key with AuthenticationError', async () => {
    const intruder = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: standIn.baseURL, maxRetries: 0 });
    await assert.rejects(intruder.messages.create({ model: MODEL, max_tokens: 64, messages: ASK }), Anthropic.AuthenticationError);
  });
});
