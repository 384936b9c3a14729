import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { normalizeSettings, settingsFromEnv, SettingsStore } from '../../server/settings';
import type { Logger } from '../../server/log';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (message: string) => warnings.push(message) };
}

describe('settings', () => {
  it('fills every stage with defaults from nothing', () => {
    assert.deepEqual(normalizeSettings(undefined), DEFAULT_SETTINGS);
    assert.deepEqual(normalizeSettings('garbage'), DEFAULT_SETTINGS);
  });

  it('keeps valid choices, trims text and rejects unknown providers and non-text with a warning', () => {
    const log = recordingLogger();
    const settings = normalizeSettings({ llm: { provider: 'openai', model: ' gpt-4.1 ', baseUrl: 42 }, stt: { provider: 'whisper-in-the-cloud' } }, log);
    assert.deepEqual(settings.llm, { provider: 'openai', model: 'gpt-4.1', baseUrl: '' });
    assert.equal(settings.stt.provider, 'auto');
    assert.equal(log.warnings.length, 2);
    assert.match(log.warnings[0]!, /parley\.llm\.baseUrl 42 is not text; using none/);
    assert.match(
      log.warnings[1]!,
      /parley\.stt\.provider "whisper-in-the-cloud" is not one of deepgram, openai, openai-compatible, whisper, offline, auto; using auto/,
    );
  });

  it('reads the command line environment with the same meaning as the settings', () => {
    const settings = settingsFromEnv({
      PARLEY_LLM: 'openai-compatible',
      PARLEY_LLM_BASE_URL: 'http://127.0.0.1:8080/v1',
      PARLEY_TTS: 'none',
      PARLEY_EMBEDDINGS_MODEL: 'nomic',
      PARLEY_EMBEDDINGS_MODEL_FOLDER: ' ~/models/all-MiniLM-L6-v2 ',
    });
    assert.deepEqual(settings.llm, { provider: 'openai-compatible', model: '', baseUrl: 'http://127.0.0.1:8080/v1' });
    assert.equal(settings.tts.provider, 'none');
    assert.deepEqual(settings.embeddings, { provider: 'builtin', model: 'nomic', baseUrl: '', modelFolder: '~/models/all-MiniLM-L6-v2' });
  });

  it('pulls once per resource until invalidated, and retries after a failed pull', async () => {
    const pulls: (string | undefined)[] = [];
    let fail = true;
    const store = new SettingsStore(async (scope) => {
      pulls.push(scope);
      if (fail) throw new Error('client not ready');
      return { llm: { provider: 'openai' } };
    }, recordingLogger());
    await assert.rejects(store.get(), /client not ready/);
    fail = false;
    assert.equal((await store.get()).llm.provider, 'openai');
    await store.get();
    await store.get('file:///a');
    assert.deepEqual(pulls, [undefined, undefined, 'file:///a']);
    store.invalidate();
    await store.get();
    assert.equal(pulls.length, 4);
  });
});

describe('language model fallbacks', () => {
  it('keeps well-formed entries in order and leaves out the others, saying so', () => {
    const log = recordingLogger();
    const settings = normalizeSettings(
      {
        llmFallbacks: [
          { provider: 'openai-compatible', model: ' qwen ', baseUrl: 'http://127.0.0.1:11434/v1' },
          { model: 'x' },
          { provider: 'skynet' },
          { provider: 'openai' },
        ],
      },
      log,
    );
    assert.deepEqual(settings.llmFallbacks, [
      { provider: 'openai-compatible', model: 'qwen', baseUrl: 'http://127.0.0.1:11434/v1' },
      { provider: 'openai', model: '', baseUrl: '' },
    ]);
    assert.equal(log.warnings.filter((w) => /parley\.llm\.fallbacks\[\d\]/.test(w)).length, 2);
    assert.deepEqual(normalizeSettings({ llmFallbacks: 'ollama' }, log).llmFallbacks, []);
  });

  it('reads them from PARLEY_LLM_FALLBACKS as JSON on the command line', () => {
    const log = recordingLogger();
    assert.deepEqual(settingsFromEnv({ PARLEY_LLM_FALLBACKS: '[{"provider":"openai-compatible","model":"m","baseUrl":"http://h/v1"}]' }).llmFallbacks, [
      { provider: 'openai-compatible', model: 'm', baseUrl: 'http://h/v1' },
    ]);
    assert.deepEqual(settingsFromEnv({ PARLEY_LLM_FALLBACKS: 'not json' }, log).llmFallbacks, []);
    assert.match(log.warnings.join('\n'), /PARLEY_LLM_FALLBACKS is not JSON/);
  });
});

describe('voice settings', () => {
  it('keeps valid choices and replaces out-of-range values with the defaults, saying so', () => {
    const log = recordingLogger();
    const { voice } = normalizeSettings(
      { voice: { mode: 'pushToTalk', capture: 'telepathy', vadThreshold: 2, silenceMs: '800', eagerEndOfTurn: 'sometimes' } },
      log,
    );
    assert.deepEqual(voice, {
      mode: 'pushToTalk',
      capture: 'auto',
      vadThreshold: 0.5,
      silenceMs: 800,
      eagerEndOfTurn: false,
      endOfThoughtMs: 700,
      questionSilenceMs: 300,
    });
    assert.equal(log.warnings.length, 3);
    assert.match(
      log.warnings.join('\n'),
      /parley\.voice\.capture "telepathy"[\s\S]*parley\.voice\.vadThreshold 2 is not a number from 0\.05 to 0\.95[\s\S]*parley\.voice\.eagerEndOfTurn "sometimes" is not true or false/,
    );
  });

  it('reads the voice choices from the command line environment', () => {
    assert.deepEqual(settingsFromEnv({ PARLEY_VOICE_MODE: 'pushToTalk', PARLEY_VAD_SILENCE_MS: '300' }).voice, {
      mode: 'pushToTalk',
      capture: 'auto',
      vadThreshold: 0.5,
      silenceMs: 300,
      eagerEndOfTurn: false,
      endOfThoughtMs: 700,
      questionSilenceMs: 300,
    });
    assert.equal(settingsFromEnv({ PARLEY_VOICE_EAGER_END_OF_TURN: 'true' }).voice.eagerEndOfTurn, true);
    assert.equal(settingsFromEnv({ PARLEY_VOICE_END_OF_THOUGHT_MS: '0', PARLEY_VOICE_QUESTION_SILENCE_MS: '200' }).voice.endOfThoughtMs, 0);
    assert.equal(settingsFromEnv({ PARLEY_VOICE_QUESTION_SILENCE_MS: '200' }).voice.questionSilenceMs, 200);
    assert.equal(normalizeSettings({ voice: { eagerEndOfTurn: true } }).voice.eagerEndOfTurn, true);
  });
});
