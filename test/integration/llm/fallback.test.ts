import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { ProviderError } from '../../../server/providers/errors';
import { Keys } from '../../../server/providers/keys';
import { createLlmStage, type LlmSettings } from '../../../server/providers/llm';
import { stageStatuses } from '../../../server/providers/status';
import { startAnthropicStandIn, startOpenAIStandIn, type AnthropicStandIn, type OpenAIStandIn } from '../../support/standins';
import { ASK, collect, doneOf, FAST, memoryLog, textOf } from './helpers';

const withLlm = (llm: LlmSettings): ParleySettings => ({ ...DEFAULT_SETTINGS, llm });
const ANTHROPIC_KEY = { ANTHROPIC_API_KEY: 'sk-ant-test-0123456789' };
const BOTH_KEYS = { ...ANTHROPIC_KEY, OPENAI_API_KEY: 'sk-test-0123456789' };
const LOCAL: LlmSettings = { provider: 'openai-compatible', model: 'qwen2.5-coder', baseUrl: 'http://127.0.0.1:11434/v1' };

describe('LLM stage: which providers, in which order', () => {
  const labels = (settings: ParleySettings, env: NodeJS.ProcessEnv, fallbacks?: LlmSettings[]) =>
    createLlmStage(settings, new Keys(env), memoryLog(), { fallbacks }).providers.map((p) => p.vendor.label);

  it('tries the configured provider, then explicit fallbacks, then the other cloud vendor with a key', () => {
    const anthropic: LlmSettings = { provider: 'anthropic', model: '', baseUrl: '' };
    assert.deepEqual(labels(withLlm(anthropic), BOTH_KEYS, [LOCAL]), ['Anthropic', 'OpenAI-compatible server at http://127.0.0.1:11434/v1', 'OpenAI']);
    assert.deepEqual(labels(withLlm({ ...anthropic, provider: 'openai' }), BOTH_KEYS), ['OpenAI', 'Anthropic']);
    assert.deepEqual(labels(withLlm(anthropic), ANTHROPIC_KEY), ['Anthropic']);
  });

  it('takes the fallbacks from the settings (parley.llm.fallbacks) when none are passed', () => {
    const anthropic: LlmSettings = { provider: 'anthropic', model: '', baseUrl: '' };
    assert.deepEqual(labels({ ...withLlm(anthropic), llmFallbacks: [LOCAL] }, ANTHROPIC_KEY), [
      'Anthropic',
      'OpenAI-compatible server at http://127.0.0.1:11434/v1',
    ]);
  });

  it('never falls back from a local server to a cloud vendor by itself', () => {
    assert.deepEqual(labels(withLlm(LOCAL), BOTH_KEYS), ['OpenAI-compatible server at http://127.0.0.1:11434/v1']);
  });

  it('skips a configured provider that is not set up, in favour of one that is', () => {
    assert.deepEqual(labels(DEFAULT_SETTINGS, { OPENAI_API_KEY: 'sk-test-0123456789' }), ['OpenAI']);
  });

  it("with nothing configured, throws the status report's own sentence for the configured provider", () => {
    for (const settings of [DEFAULT_SETTINGS, withLlm({ ...LOCAL, baseUrl: '' }), withLlm({ provider: 'openai', model: '', baseUrl: '' })]) {
      const hint = stageStatuses(settings, new Keys({})).find((s) => s.stage === 'llm')!.hint!;
      assert.throws(
        () => createLlmStage(settings, new Keys({}), memoryLog()),
        (error) => error instanceof ProviderError && !error.retryable && error.message === hint,
      );
    }
    assert.throws(() => createLlmStage(DEFAULT_SETTINGS, new Keys({}), memoryLog()), {
      message: 'Set an Anthropic key (Parley: Set API Key), or point Parley at a local OpenAI-compatible server (parley.llm.provider = openai-compatible).',
    });
  });

  it('refuses an OpenAI-compatible server without a model, saying which setting to fill in', () => {
    assert.throws(() => createLlmStage(withLlm({ ...LOCAL, model: '' }), new Keys({}), memoryLog()), /Set parley\.llm\.model/);
  });
});

describe('LLM stage: falling back from a failing Anthropic to a local OpenAI-compatible server', () => {
  let anthropic: AnthropicStandIn;
  let local: OpenAIStandIn;
  const log = memoryLog();
  const stage = () =>
    createLlmStage(withLlm({ provider: 'anthropic', model: '', baseUrl: anthropic.baseURL }), new Keys(ANTHROPIC_KEY), log, {
      resilience: FAST,
      fallbacks: [{ provider: 'openai-compatible', model: 'qwen2.5-coder', baseUrl: local.baseURL }],
    });

  before(async () => {
    anthropic = await startAnthropicStandIn();
    local = await startOpenAIStandIn();
  });
  after(async () => {
    await anthropic.close();
    await local.close();
  });

  it('answers from the local server once Anthropic has failed its retries', async () => {
    const [anthropicStart, localStart] = [anthropic.requests.length, local.requests.length];
    anthropic.failNext({ kind: 'status', status: 529, message: 'Overloaded' }, { times: 3 });
    local.chat.push({ text: 'Answer from the local model.' });
    const events = await collect(stage().chat(ASK));

    assert.equal(textOf(events), 'Answer from the local model.');
    assert.deepEqual([doneOf(events).provider, doneOf(events).model], ['openai-compatible', 'qwen2.5-coder']);
    assert.equal(anthropic.requests.length - anthropicStart, 3, 'one attempt and two retries');
    assert.equal(local.requests.length - localStart, 1);
    assert.ok(log.lines.some((line) => line.includes('trying the next one')));
  });

  it('falls back on a timeout too', async () => {
    anthropic.failNext({ kind: 'hang' }, { times: 3 });
    local.chat.push({ text: 'Still here.' });
    const quick = createLlmStage(withLlm({ provider: 'anthropic', model: '', baseUrl: anthropic.baseURL }), new Keys(ANTHROPIC_KEY), log, {
      resilience: { ...FAST, timeoutMs: 150 },
      fallbacks: [{ provider: 'openai-compatible', model: 'qwen2.5-coder', baseUrl: local.baseURL }],
    });
    const events = await collect(quick.chat(ASK));
    assert.equal(textOf(events), 'Still here.');
    // The user waited through Anthropic's three timed-out attempts too.
    assert.ok(doneOf(events).ttftMs >= 450, `ttft ${doneOf(events).ttftMs} ms`);
  });

  it('does not fall back from a refused key: that needs the user, not another model', async () => {
    const localStart = local.requests.length;
    anthropic.failNext({ kind: 'status', status: 401, message: 'invalid x-api-key' });
    await assert.rejects(collect(stage().chat(ASK)), /Check your Anthropic key/);
    assert.equal(local.requests.length, localStart);
  });

  it('stays with Anthropic once its answer has started, even if it then fails', async () => {
    const localStart = local.requests.length;
    anthropic.replies.push({ text: 'Half an answer and then' });
    anthropic.failNext({ kind: 'cut', afterEvents: 5 });
    const texts: string[] = [];
    await assert.rejects(async () => {
      for await (const event of stage().chat(ASK)) if (event.type === 'text') texts.push(event.text);
    }, /Anthropic ended the answer before it was complete/);
    assert.deepEqual(texts, ['Half', ' an']);
    assert.equal(local.requests.length, localStart);
  });
});
