import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../../server/providers/errors';
import { AnthropicLLM, type ChatRequest } from '../../../server/providers/llm';
import { waitFor } from '../../support/poll';
import { startAnthropicStandIn, type AnthropicStandIn, type RecordedRequest } from '../../support/standins';
import { ASK, collect, doneOf, FAST, memoryLog, NO_RETRIES, OPEN_FILE, SEARCH, textOf, typesOf } from './helpers';
import { startWiretap } from './wiretap';

const KEY = 'sk-ant-test-0123456789abcdef';

interface SentBody {
  model: string;
  max_tokens: number;
  stream: boolean;
  system?: { type: string; text: string; cache_control?: unknown }[];
  messages: { role: string; content: unknown }[];
  tools?: { name: string; cache_control?: unknown }[];
}

const bodyOf = (request: RecordedRequest | undefined) => request?.body as SentBody;

describe('Anthropic LLM provider, against the Anthropic stand-in through the official SDK', () => {
  let standIn: AnthropicStandIn;
  const log = memoryLog();
  const llm = (options = FAST, model = '') => new AnthropicLLM({ apiKey: KEY, baseUrl: standIn.baseURL, model }, log, { resilience: options });
  const requestsSince = (start: number) => standIn.requests.slice(start);

  before(async () => {
    standIn = await startAnthropicStandIn({ apiKey: KEY });
  });
  after(() => standIn.close());

  it('streams text deltas, then usage and done; time to first token covers the configured ttfb', async () => {
    standIn.latency.ttfbMs = 150;
    try {
      standIn.replies.push({ text: 'The fixture path is wrong.', usage: { inputTokens: 40, outputTokens: 7 } });
      const events = await collect(llm().chat(ASK));

      assert.deepEqual(typesOf(events), ['text', 'text', 'text', 'text', 'text', 'usage', 'done']);
      assert.equal(textOf(events), 'The fixture path is wrong.');
      const usage = events.find((e) => e.type === 'usage');
      assert.deepEqual(usage && [usage.inputTokens, usage.outputTokens], [40, 7]);
      const done = doneOf(events);
      assert.equal(done.stopReason, 'end');
      assert.equal(done.provider, 'anthropic');
      assert.equal(done.model, 'claude-haiku-4-5');
      assert.ok(done.ttftMs >= 150, `ttft ${done.ttftMs} ms`);
      assert.ok(done.durationMs >= done.ttftMs);
      assert.ok(events.every((e) => typeof e.createdAt === 'number' && e.createdAt > 0));
      const body = bodyOf(standIn.requests.at(-1));
      assert.equal(body.model, 'claude-haiku-4-5');
      assert.equal(body.stream, true);
      assert.equal(body.max_tokens, 1024);
    } finally {
      standIn.latency.ttfbMs = 0;
    }
  });

  it('uses the model the settings name', async () => {
    const events = await collect(llm(FAST, 'claude-sonnet-4-6').chat(ASK));
    assert.equal(doneOf(events).model, 'claude-sonnet-4-6');
    assert.equal(bodyOf(standIn.requests.at(-1)).model, 'claude-sonnet-4-6');
  });

  it('assembles a tool call from input_json_delta fragments and emits it parsed, after announcing it', async () => {
    standIn.replies.push({ text: 'Let me look.', toolCalls: [{ name: 'open_file', input: { path: 'src/util/strings.ts', line: 12 }, id: 'toolu_strings' }] });
    const events = await collect(llm().chat({ ...ASK, tools: [OPEN_FILE] }));

    assert.deepEqual(typesOf(events), ['text', 'text', 'text', 'toolCallStart', 'toolCall', 'usage', 'done']);
    const start = events.find((e) => e.type === 'toolCallStart');
    assert.deepEqual(start && [start.id, start.name], ['toolu_strings', 'open_file']);
    const call = events.find((e) => e.type === 'toolCall');
    assert.deepEqual(call && [call.id, call.name, call.input], ['toolu_strings', 'open_file', { path: 'src/util/strings.ts', line: 12 }]);
    assert.equal(doneOf(events).stopReason, 'toolUse');
  });

  it('sends the history with tool_use and tool_result blocks, an interrupted answer marked, and cache breakpoints', async () => {
    standIn.replies.push({ text: 'Line 12 compares a string to a number.' });
    const request: ChatRequest = {
      system: 'You are Parley.',
      context: 'Active file: src/util/strings.ts',
      tools: [OPEN_FILE, SEARCH],
      messages: [
        { role: 'user', text: 'why is this test failing?' },
        { role: 'assistant', text: 'The test expects', interrupted: true },
        { role: 'user', text: 'look at strings.ts' },
        {
          role: 'assistant',
          text: 'Opening it.',
          toolCalls: [
            { id: 'toolu_a', name: 'open_file', input: { path: 'src/util/strings.ts' } },
            { id: 'toolu_b', name: 'search_workspace', input: { query: 'padLeft' } },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_a', content: 'export function padLeft(…)' },
        { role: 'tool', toolCallId: 'toolu_b', content: 'no such file', isError: true },
      ],
    };
    const events = await collect(llm().chat(request));
    assert.equal(textOf(events), 'Line 12 compares a string to a number.');

    const body = bodyOf(standIn.requests.at(-1));
    // Breakpoints: after the tools, after the system prompt, and at the end of the history
    // before the newest user message, which carries the per-turn context.
    assert.deepEqual(body.system, [{ type: 'text', text: 'You are Parley.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(
      body.tools?.map((t) => [t.name, t.cache_control]),
      [
        ['open_file', undefined],
        ['search_workspace', { type: 'ephemeral' }],
      ],
    );
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['user', 'assistant', 'user', 'assistant', 'user'],
    );
    assert.deepEqual(body.messages[0]!.content, 'why is this test failing?');
    assert.deepEqual(body.messages[1]!.content, [
      { type: 'text', text: 'The test expects… [interrupted: the user spoke over this answer and heard only this much]', cache_control: { type: 'ephemeral' } },
    ]);
    assert.deepEqual(body.messages[2]!.content, [
      { type: 'text', text: 'Active file: src/util/strings.ts' },
      { type: 'text', text: 'look at strings.ts' },
    ]);
    assert.deepEqual(body.messages[3]!.content, [
      { type: 'text', text: 'Opening it.' },
      { type: 'tool_use', id: 'toolu_a', name: 'open_file', input: { path: 'src/util/strings.ts' } },
      { type: 'tool_use', id: 'toolu_b', name: 'search_workspace', input: { query: 'padLeft' } },
    ]);
    assert.deepEqual(body.messages[4]!.content, [
      { type: 'tool_result', tool_use_id: 'toolu_a', content: 'export function padLeft(…)' },
      { type: 'tool_result', tool_use_id: 'toolu_b', content: 'no such file', is_error: true },
    ]);
    const breakpoints = JSON.stringify(body).match(/"cache_control"/g) ?? [];
    assert.equal(breakpoints.length, 3, 'at most four are allowed; Parley uses three');
  });

  it('retries a 503 before the first token and then answers', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 503 });
    standIn.replies.push({ text: 'Second time lucky.' });
    const events = await collect(llm().chat(ASK));
    assert.equal(textOf(events), 'Second time lucky.');
    assert.equal(requestsSince(start).length, 2);
  });

  it('does not retry a refused key, and says to check the Anthropic key', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 401, message: 'invalid x-api-key' });
    await assert.rejects(collect(llm().chat(ASK)), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.retryable, false);
      assert.equal(error.stage, 'llm');
      assert.match(error.message, /Anthropic refused the key \(401: invalid x-api-key\)\. Check your Anthropic key/);
      return true;
    });
    assert.equal(requestsSince(start).length, 1);
  });

  it('surfaces an overload error after text started, without retrying (nothing is said twice)', async () => {
    const start = standIn.requests.length;
    standIn.replies.push({ text: 'This answer will be cut short by an overload.' });
    standIn.failNext({ kind: 'stream-error', afterEvents: 5, errorType: 'overloaded_error', message: 'Overloaded' });
    const texts: string[] = [];
    await assert.rejects(
      async () => {
        for await (const event of llm().chat(ASK)) if (event.type === 'text') texts.push(event.text);
      },
      (error) => error instanceof ProviderError && error.retryable && /Anthropic is overloaded \(529: Overloaded\)/.test(error.message),
    );
    assert.deepEqual(texts, ['This', ' answer']);
    assert.equal(requestsSince(start).length, 1);
  });

  it('still reports an error that arrived while the consumer was busy (the SDK iterator would end quietly)', async () => {
    const tap = await startWiretap(standIn.port);
    try {
      standIn.replies.push({ text: 'one two three four five six seven' });
      standIn.failNext({ kind: 'stream-error', afterEvents: 5, errorType: 'overloaded_error', message: 'Overloaded' });
      const slow = new AnthropicLLM({ apiKey: KEY, baseUrl: tap.url }, log, { resilience: FAST });
      const texts: string[] = [];
      await assert.rejects(async () => {
        for await (const event of slow.chat(ASK)) {
          if (event.type !== 'text') continue;
          texts.push(event.text);
          // Busy (speaking, say) until the error event has reached the client.
          if (texts.length === 1) await waitFor(() => tap.connections[0]?.textDown.includes('event: error'), { what: 'the error event' });
        }
      }, /Anthropic is overloaded/);
      assert.deepEqual(texts, ['one', ' two']);
    } finally {
      await tap.close();
    }
  });

  it('turns a tool input that is not JSON into a clear error naming the tool', async () => {
    standIn.replies.push({ toolCalls: [{ name: 'open_file', input: '{"path": src/main.ts}' }] });
    await assert.rejects(collect(llm(NO_RETRIES).chat({ ...ASK, tools: [OPEN_FILE] })), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.match(error.message, /Anthropic called the tool "open_file" with input that is not a JSON object/);
      return true;
    });
  });

  it('refuses a tool call cut short by max_tokens instead of passing off a partial input', async () => {
    standIn.replies.push({ text: 'Here is the edit.', toolCalls: [{ name: 'open_file', input: { path: 'src/ma' } }], stopReason: 'max_tokens' });
    await assert.rejects(collect(llm(NO_RETRIES).chat({ ...ASK, tools: [OPEN_FILE], maxTokens: 64 })), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /reached the 64-token limit in the middle of a call to the tool "open_file"/);
      return true;
    });
  });

  it('reports a garbage stream as a response it could not read, after retrying it', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'garbage' }, { times: 3 });
    await assert.rejects(collect(llm().chat(ASK)), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.match(error.message, /Anthropic sent a response Parley could not read/);
      return true;
    });
    assert.equal(requestsSince(start).length, 3);
  });

  it('reports an empty answer as an error rather than silence', async () => {
    standIn.replies.push({});
    await assert.rejects(collect(llm(NO_RETRIES).chat(ASK)), /Anthropic returned an empty answer \(stop reason: end\)/);
  });

  it('never writes the key to the log', () => {
    assert.ok(log.lines.length > 0, 'failures were logged');
    assert.ok(log.lines.every((line) => !line.includes(KEY)));
  });
});
