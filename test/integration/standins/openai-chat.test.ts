import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startOpenAIStandIn, type OpenAIStandIn } from '../../support/standins';

const TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'open_file', parameters: { type: 'object', properties: { path: { type: 'string' }, line: { type: 'number' } } } },
  },
];

describe('OpenAI stand-in: chat completions through the official SDK', () => {
  let standIn: OpenAIStandIn;
  let client: OpenAI;

  before(async () => {
    standIn = await startOpenAIStandIn({ apiKey: 'sk-test' });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: standIn.baseURL, maxRetries: 0 });
  });
  after(() => standIn.close());

  it('answers a plain completion with the scripted text, usage and the Bearer key recorded', async () => {
    standIn.chat.push({ text: 'The assertion compares a string to a number.', usage: { inputTokens: 12, outputTokens: 9 } });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'why is this test failing?' }] });

    assert.equal(completion.choices[0]?.message.content, 'The assertion compares a string to a number.');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual([completion.usage?.prompt_tokens, completion.usage?.completion_tokens], [12, 9]);
    const request = standIn.requests.at(-1)!;
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal(request.headers.authorization, 'Bearer sk-test');
    assert.deepEqual((request.body as { messages: unknown }).messages, [{ role: 'user', content: 'why is this test failing?' }]);
  });

  it('streams text token by token, ending with usage when include_usage is asked', async () => {
    standIn.chat.push({ text: 'Run the tests again, please.' });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.deepEqual(deltas, ['Run', ' the', ' tests', ' again,', ' please.']);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it('streams tool calls that the SDK stream helper assembles into parsed arguments', async () => {
    standIn.chat.push({
      text: 'Opening it.',
      toolCalls: [
        { name: 'open_file', input: { path: 'src/main.ts', line: 42 } },
        { name: 'open_file', input: { path: 'test/main.test.ts', line: 7 }, id: 'call_fixed' },
      ],
    });
    const stream = client.chat.completions.stream({ model: 'gpt-test', messages: [{ role: 'user', content: 'open main' }], tools: TOOLS });
    const argumentDeltas: string[] = [];
    stream.on('tool_calls.function.arguments.delta', (event) => argumentDeltas.push(event.arguments_delta));
    const final = await stream.finalChatCompletion();

    const choice = final.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Opening it.');
    const calls = (choice.message.tool_calls ?? []).map((call) => {
      assert.equal(call.type, 'function');
      return { id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) as unknown };
    });
    assert.equal(calls.length, 2);
    assert.match(calls[0]!.id, /^call_/);
    assert.deepEqual(calls[0]!.input, { path: 'src/main.ts', line: 42 });
    assert.deepEqual(calls[1], { id: 'call_fixed', name: 'open_file', input: { path: 'test/main.test.ts', line: 7 } });
    assert.ok(argumentDeltas.length > 4, 'arguments arrive in several fragments');
  });

  it('holds the first token back for ttfbMs and spaces tokens by interTokenMs', async () => {
    standIn.latency.ttfbMs = 150;
    standIn.latency.interTokenMs = 20;
    try {
      standIn.chat.push({ text: 'one two three four' });
      const started = performance.now();
      const stream = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'count' }], stream: true });
      const arrivals: number[] = [];
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
      assert.ok(arrivals[0]! >= 150, `first token after ${arrivals[0]} ms`);
      assert.ok(arrivals.at(-1)! - arrivals[0]! >= 3 * 20 - 3, `tokens spread over ${arrivals.at(-1)! - arrivals[0]!} ms`);
    } finally {
      Object.assign(standIn.latency, { ttfbMs: 0, interTokenMs: 0 });
    }
  });

  it('rejects a wrong key with a 401 the SDK maps to AuthenticationError', async () => {
    const intruder = new OpenAI({ apiKey: 'sk-wrong', baseURL: standIn.baseURL, maxRetries: 0 });
    await assert.rejects(intruder.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }), (error) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      return true;
    });
  });
});
