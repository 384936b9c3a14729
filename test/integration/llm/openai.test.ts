import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../../server/providers/errors';
import { OpenAILLM, type ChatRequest } from '../../../server/providers/llm';
import { startOpenAIStandIn, type OpenAIStandIn, type RecordedRequest } from '../../support/standins';
import { ASK, collect, doneOf, FAST, memoryLog, NO_RETRIES, OPEN_FILE, SEARCH, textOf, typesOf } from './helpers';

const KEY = 'sk-test-0123456789abcdef';

interface SentBody {
  model: string;
  stream: boolean;
  stream_options?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
  messages: Record<string, unknown>[];
  tools?: { type: string; function: { name: string; parameters: unknown } }[];
}

const bodyOf = (request: RecordedRequest | undefined) => request?.body as SentBody;

describe('OpenAI LLM provider, against the OpenAI stand-in through the official SDK', () => {
  let standIn: OpenAIStandIn;
  const log = memoryLog();
  const llm = (options = FAST, model = '') => OpenAILLM.openai({ apiKey: KEY, baseUrl: standIn.baseURL, model }, log, { resilience: options });
  const requestsSince = (start: number) => standIn.requests.slice(start);

  before(async () => {
    standIn = await startOpenAIStandIn({ apiKey: KEY });
  });
  after(() => standIn.close());

  it('streams text, asks for usage, and times the first token after the configured ttfb', async () => {
    standIn.latency.ttfbMs = 150;
    try {
      standIn.chat.push({ text: 'Run the tests again, please.', usage: { inputTokens: 30, outputTokens: 6 } });
      const events = await collect(llm().chat(ASK));

      assert.deepEqual(typesOf(events), ['text', 'text', 'text', 'text', 'text', 'usage', 'done']);
      assert.equal(textOf(events), 'Run the tests again, please.');
      const usage = events.find((e) => e.type === 'usage');
      assert.deepEqual(usage && [usage.inputTokens, usage.outputTokens, usage.cacheReadTokens], [30, 6, 0]);
      const done = doneOf(events);
      assert.deepEqual([done.stopReason, done.provider, done.model], ['end', 'openai', 'gpt-4.1-mini']);
      assert.ok(done.ttftMs >= 150, `ttft ${done.ttftMs} ms`);
      const body = bodyOf(standIn.requests.at(-1));
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(body.max_completion_tokens, 1024);
      assert.equal(body.max_tokens, undefined);
      assert.equal(standIn.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);
    } finally {
      standIn.latency.ttfbMs = 0;
    }
  });

  it('assembles parallel tool calls from argument fragments by index', async () => {
    standIn.chat.push({
      text: 'Looking.',
      toolCalls: [
        { name: 'open_file', input: { path: 'src/util/strings.ts', line: 12 }, id: 'call_open' },
        { name: 'search_workspace', input: { query: 'padLeft(' }, id: 'call_search' },
      ],
    });
    const events = await collect(llm().chat({ ...ASK, tools: [OPEN_FILE, SEARCH] }));

    assert.deepEqual(typesOf(events), ['text', 'toolCallStart', 'toolCallStart', 'toolCall', 'toolCall', 'usage', 'done']);
    const calls = events.flatMap((e) => (e.type === 'toolCall' ? [[e.id, e.name, e.input]] : []));
    assert.deepEqual(calls, [
      ['call_open', 'open_file', { path: 'src/util/strings.ts', line: 12 }],
      ['call_search', 'search_workspace', { query: 'padLeft(' }],
    ]);
    assert.equal(doneOf(events).stopReason, 'toolUse');
    assert.deepEqual(
      bodyOf(standIn.requests.at(-1)).tools?.map((t) => [t.type, t.function.name]),
      [
        ['function', 'open_file'],
        ['function', 'search_workspace'],
      ],
    );
  });

  it('sends the history with tool_calls on the assistant and role "tool" results after it', async () => {
    standIn.chat.push({ text: 'Line 12 compares a string to a number.' });
    const request: ChatRequest = {
      system: 'You are Parley.',
      context: 'Active file: src/util/strings.ts',
      tools: [OPEN_FILE],
      messages: [
        { role: 'user', text: 'why is this test failing?' },
        { role: 'assistant', text: '', interrupted: true },
        { role: 'user', text: 'open strings.ts' },
        { role: 'assistant', text: '', toolCalls: [{ id: 'call_a', name: 'open_file', input: { path: 'src/util/strings.ts' } }] },
        { role: 'tool', toolCallId: 'call_a', content: 'export function padLeft(…)' },
      ],
    };
    await collect(llm().chat(request));

    const { messages } = bodyOf(standIn.requests.at(-1));
    assert.deepEqual(messages, [
      { role: 'system', content: 'You are Parley.' },
      { role: 'user', content: 'why is this test failing?' },
      { role: 'assistant', content: '[interrupted: the user spoke before hearing any of this answer]' },
      { role: 'user', content: 'Active file: src/util/strings.ts\n\nopen strings.ts' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'open_file', arguments: '{"path":"src/util/strings.ts"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'export function padLeft(…)' },
    ]);
  });

  it('does not retry a refused key, and says to check the OpenAI key', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 401, message: 'Incorrect API key provided.' });
    await assert.rejects(collect(llm().chat(ASK)), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /OpenAI refused the key \(401: Incorrect API key provided\.\)\. Check your OpenAI key/);
      return true;
    });
    assert.equal(requestsSince(start).length, 1);
  });

  it('retries a 503 before the first token and then answers', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'status', status: 503 });
    standIn.chat.push({ text: 'Back again.' });
    assert.equal(textOf(await collect(llm().chat(ASK))), 'Back again.');
    assert.equal(requestsSince(start).length, 2);
  });

  it('turns tool arguments that are not JSON into a clear error naming the tool', async () => {
    standIn.chat.push({ toolCalls: [{ name: 'open_file', input: '{"path": "src/main.ts"' }] });
    await assert.rejects(
      collect(llm(NO_RETRIES).chat({ ...ASK, tools: [OPEN_FILE] })),
      /OpenAI called the tool "open_file" with input that is not a JSON object/,
    );
  });

  it('reports a garbage stream as a response it could not read', async () => {
    standIn.failNext({ kind: 'garbage' });
    await assert.rejects(collect(llm(NO_RETRIES).chat(ASK)), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.match(error.message, /OpenAI sent a response Parley could not read/);
      return true;
    });
  });

  it('surfaces a connection cut mid-answer, after the text already delivered, without retrying', async () => {
    const start = standIn.requests.length;
    standIn.chat.push({ text: 'one two three four five six' });
    standIn.failNext({ kind: 'cut', afterEvents: 3 });
    const texts: string[] = [];
    await assert.rejects(
      async () => {
        for await (const event of llm().chat(ASK)) if (event.type === 'text') texts.push(event.text);
      },
      (error) => error instanceof ProviderError && error.retryable && /^OpenAI ended the answer before it was complete/.test(error.message),
    );
    assert.deepEqual(texts, ['one', ' two']);
    assert.equal(requestsSince(start).length, 1);
  });

  it('reports an empty answer as an error rather than silence', async () => {
    standIn.chat.push({});
    await assert.rejects(collect(llm(NO_RETRIES).chat(ASK)), /OpenAI returned an empty answer/);
  });

  it('never writes the key to the log', () => {
    assert.ok(log.lines.every((line) => !line.includes(KEY)));
  });
});

describe('OpenAI-compatible LLM provider: the same implementation configured for a local server', () => {
  let standIn: OpenAIStandIn;
  const log = memoryLog();

  before(async () => {
    standIn = await startOpenAIStandIn();
  });
  after(() => standIn.close());

  it('talks to the base URL with the named model, a placeholder key, max_tokens and no stream_options', async () => {
    standIn.chat.push({ text: 'Local answer.' });
    const llm = OpenAILLM.compatible({ baseUrl: standIn.baseURL, model: 'qwen2.5-coder' }, log, { resilience: FAST });
    const events = await collect(llm.chat(ASK));

    assert.equal(textOf(events), 'Local answer.');
    assert.deepEqual([doneOf(events).provider, doneOf(events).model], ['openai-compatible', 'qwen2.5-coder']);
    const request = standIn.requests.at(-1)!;
    assert.equal(request.headers.authorization, 'Bearer parley-no-key');
    const body = bodyOf(request);
    assert.equal(body.model, 'qwen2.5-coder');
    assert.equal(body.max_tokens, 1024);
    assert.equal(body.max_completion_tokens, undefined);
    assert.equal(body.stream_options, undefined);
  });

  it('sends the OpenAI key when one is set', async () => {
    const llm = OpenAILLM.compatible({ baseUrl: standIn.baseURL, model: 'qwen2.5-coder', apiKey: 'sk-local-key-0123456789' }, log, { resilience: FAST });
    await collect(llm.chat(ASK));
    assert.equal(standIn.requests.at(-1)!.headers.authorization, 'Bearer sk-local-key-0123456789');
  });

  it('needs a model name, and says which setting to fill in', () => {
    assert.throws(
      () => OpenAILLM.compatible({ baseUrl: standIn.baseURL, model: '' }, log),
      (error) =>
        error instanceof ProviderError && !error.retryable && /Set parley\.llm\.model to a model your OpenAI-compatible server serves/.test(error.message),
    );
  });

  it('names the server in its errors, and points at the model and base URL on a 404', async () => {
    standIn.failNext({ kind: 'status', status: 404, message: 'model "qwen9" not found' });
    const llm = OpenAILLM.compatible({ baseUrl: standIn.baseURL, model: 'qwen9' }, log, { resilience: FAST });
    await assert.rejects(collect(llm.chat(ASK)), (error) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(
        error.message,
        `OpenAI-compatible server at ${standIn.baseURL} answered 404 (model "qwen9" not found). Check parley.llm.model (a model the server serves) and parley.llm.baseUrl (usually ending in /v1).`,
      );
      return true;
    });
  });
});
