/** What the status report says about each stage's configuration: configured, or the one thing to set. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { Keys } from '../../server/providers/keys';
import { stageStatuses } from '../../server/providers/status';

function statusOf(stage: keyof ParleySettings, change: Partial<ParleySettings>, env: NodeJS.ProcessEnv = {}) {
  const settings = { ...structuredClone(DEFAULT_SETTINGS), ...change };
  return stageStatuses(settings, new Keys(env), { PATH: '' }).find((s) => s.stage === stage)!;
}

describe('provider status', () => {
  it('asks for a model when an OpenAI-compatible chat or embeddings server has none', () => {
    const llm = statusOf('llm', { llm: { provider: 'openai-compatible', model: '', baseUrl: 'http://127.0.0.1:11434/v1' } });
    assert.equal(llm.configured, false);
    assert.match(llm.hint!, /Set parley\.llm\.model/);
    const embeddings = statusOf('embeddings', {
      embeddings: { provider: 'openai-compatible', model: '', baseUrl: 'http://127.0.0.1:11434/v1', modelFolder: '' },
    });
    assert.match(embeddings.hint!, /Set parley\.embeddings\.model/);
    assert.equal(statusOf('llm', { llm: { provider: 'openai-compatible', model: 'qwen2.5-coder', baseUrl: 'http://127.0.0.1:11434/v1' } }).configured, true);
  });

  it('accepts OpenAI speech at a base URL without a key (a local speech server), but not OpenAI itself', () => {
    assert.equal(statusOf('tts', { tts: { provider: 'openai', model: '', baseUrl: 'http://127.0.0.1:8880/v1' } }).configured, true);
    assert.match(statusOf('tts', { tts: { provider: 'openai', model: '', baseUrl: '' } }).hint!, /OpenAI key/);
    assert.equal(statusOf('tts', { tts: { provider: 'openai', model: '', baseUrl: '' } }, { OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' }).configured, true);
  });
});
