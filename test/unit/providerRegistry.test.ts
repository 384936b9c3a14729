import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { createLogger } from '../../server/log';
import { ProviderError } from '../../server/providers/errors';
import { Keys } from '../../server/providers/keys';
import { ProviderRegistry } from '../../server/providers/registry';
import { FallbackStt } from '../../server/providers/stt';
import { FallbackTtsStage } from '../../server/providers/tts';
import { settingsFromEnv } from '../../server/settings';

const quiet = createLogger(() => undefined);
const keys = new Keys({ ANTHROPIC_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk', DEEPGRAM_API_KEY: 'dg' });
const LOCAL = { provider: 'openai-compatible', model: 'qwen', baseUrl: 'http://127.0.0.1:11434/v1' } as const;

const settings = (over: Partial<ParleySettings> = {}): ParleySettings => ({
  ...DEFAULT_SETTINGS,
  llm: { provider: 'anthropic', model: '', baseUrl: '' },
  stt: { provider: 'deepgram', model: '', baseUrl: '' },
  tts: { provider: 'deepgram', model: '', baseUrl: '' },
  ...over,
});

describe('the provider registry', () => {
  it('builds each stage once for the same settings, and again after invalidate()', () => {
    const providers = new ProviderRegistry(keys, quiet);
    const llm = providers.llm(settings());
    assert.equal(providers.llm(settings()), llm, 'equal settings, the same stage');
    assert.equal(providers.stt(settings()), providers.stt(settings()));
    assert.equal(providers.tts(settings()), providers.tts(settings()));
    providers.invalidate();
    assert.notEqual(providers.llm(settings()), llm);
  });

  it('rebuilds only the stage whose settings changed', () => {
    const providers = new ProviderRegistry(keys, quiet);
    const [llm, stt, tts] = [providers.llm(settings()), providers.stt(settings()), providers.tts(settings())];
    const changed = settings({ llm: { provider: 'openai', model: 'gpt-4.1', baseUrl: '' } });
    assert.notEqual(providers.llm(changed), llm);
    assert.equal(providers.stt(changed), stt);
    assert.equal(providers.tts(changed), tts);
    assert.notEqual(
      providers.stt(settings({ voice: { ...DEFAULT_SETTINGS.voice, eagerEndOfTurn: true } })),
      stt,
      'eager end of turn is asked of the recognizer',
    );
  });

  it('keeps one circuit breaker per provider across rebuilds', () => {
    const providers = new ProviderRegistry(keys, quiet);
    const first = providers.llm(settings({ llmFallbacks: [LOCAL] }));
    providers.invalidate();
    const again = providers.llm(settings({ llmFallbacks: [LOCAL] }));
    assert.notEqual(again, first);
    assert.deepEqual(
      again.providers.map((llm) => llm.guard),
      first.providers.map((llm) => llm.guard),
    );
    const otherModel = providers.llm(settings({ llm: { provider: 'anthropic', model: 'claude-opus-4-1', baseUrl: '' }, llmFallbacks: [LOCAL] }));
    assert.notEqual(otherModel.providers[0]!.guard, first.providers[0]!.guard, 'another model is another provider');
    assert.equal(otherModel.providers[1]!.guard, first.providers[1]!.guard, 'the fallback the change did not touch keeps its breaker');
    const stt = providers.stt(settings());
    providers.invalidate();
    assert.equal(providers.stt(settings()).guard, stt.guard);
  });

  it('two registries, two servers: breakers are not shared', () => {
    assert.notEqual(new ProviderRegistry(keys, quiet).stt(settings()).guard, new ProviderRegistry(keys, quiet).stt(settings()).guard);
  });

  it('puts the fallbacks that are set up behind the configured provider, in their order', () => {
    const providers = new ProviderRegistry(new Keys({ DEEPGRAM_API_KEY: 'dg' }), quiet);
    const chosen = settings({
      sttFallbacks: [
        { provider: 'openai', model: '', baseUrl: '' },
        { provider: 'openai-compatible', model: 'whisper', baseUrl: 'http://127.0.0.1:8000/v1' },
      ],
      ttsFallbacks: [
        { provider: 'openai', model: '', baseUrl: 'http://127.0.0.1:8880/v1' },
        { provider: 'none', model: '', baseUrl: '' },
      ],
    });
    const stt = providers.stt(chosen);
    assert.ok(stt instanceof FallbackStt);
    assert.deepEqual(
      stt.providers.map((p) => p.provider),
      ['deepgram', 'openai-compatible'],
      'OpenAI has no key: left out',
    );
    const tts = providers.tts(chosen);
    assert.ok(tts instanceof FallbackTtsStage);
    assert.deepEqual(
      tts.stages.map((stage) => stage.provider),
      ['deepgram', 'openai', 'none'],
    );
    assert.equal(tts.speaks, true);
  });

  it('takes the command line’s fallbacks from PARLEY_STT_FALLBACKS and PARLEY_TTS_FALLBACKS', () => {
    const env = {
      PARLEY_STT: 'deepgram',
      PARLEY_STT_FALLBACKS: '[{"provider":"offline"}]',
      PARLEY_TTS: 'deepgram',
      PARLEY_TTS_FALLBACKS: '[{"provider":"none"},{"provider":"skynet"}]',
    };
    const chosen = settingsFromEnv(env);
    assert.deepEqual(chosen.sttFallbacks, [{ provider: 'offline', model: '', baseUrl: '' }]);
    assert.deepEqual(chosen.ttsFallbacks, [{ provider: 'none', model: '', baseUrl: '' }], 'an unknown provider is left out');
    const tts = new ProviderRegistry(keys, quiet).tts(chosen);
    assert.ok(tts instanceof FallbackTtsStage);
    assert.deepEqual(
      tts.stages.map((stage) => stage.provider),
      ['deepgram', 'none'],
    );
  });

  it('uses a fallback when the configured provider is not set up, and says what to set up when none is', () => {
    const providers = new ProviderRegistry(new Keys({ OPENAI_API_KEY: 'sk' }), quiet);
    assert.equal(providers.stt(settings({ sttFallbacks: [{ provider: 'openai', model: '', baseUrl: '' }] })).provider, 'openai');
    assert.throws(
      () => providers.tts(settings()),
      (error: unknown) => error instanceof ProviderError && /Set a Deepgram key/.test(error.message),
    );
  });

  it('does not keep a stage that could not be built: the next request asks again', () => {
    const env: NodeJS.ProcessEnv = {};
    const providers = new ProviderRegistry(new Keys(env), quiet);
    assert.throws(() => providers.llm(settings()), ProviderError);
    env.ANTHROPIC_API_KEY = 'sk-ant';
    assert.equal(providers.llm(settings()).providers[0]!.provider, 'anthropic');
  });
});
