import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings, type TtsProvider } from '../../../protocol/settings';
import { ProviderError } from '../../../server/providers/errors';
import { Keys } from '../../../server/providers/keys';
import { findProgram } from '../../../server/providers/programs';
import { AuraStage, OpenAITtsStage, SILENT_REASON, SystemTtsStage, createTtsStage } from '../../../server/providers/tts';
import { waitFor } from '../../support/poll';
import { Recording, capturingLog } from './record';

const withTts = (provider: TtsProvider, model = ''): ParleySettings => ({ ...DEFAULT_SETTINGS, tts: { provider, model, baseUrl: '' } });
const create = (provider: TtsProvider, env: NodeJS.ProcessEnv, model = '') =>
  createTtsStage(withTts(provider, model), new Keys(env), capturingLog().log, { env });

describe('choosing the text-to-speech stage', () => {
  const unusable: { provider: TtsProvider; env: NodeJS.ProcessEnv; hint: RegExp }[] = [
    { provider: 'deepgram', env: {}, hint: /Set a Deepgram key \(Parley: Set API Key\)/ },
    { provider: 'openai', env: { DEEPGRAM_API_KEY: 'dg' }, hint: /Set an OpenAI key/ },
    { provider: 'system', env: { PATH: '/nonexistent' }, hint: /Install a system voice \(for example: apt-get install espeak-ng\)/ },
  ];
  for (const { provider, env, hint } of unusable) {
    it(`says what to set up when ${provider} cannot be used`, () => {
      assert.throws(
        () => create(provider, env),
        (error: unknown) =>
          error instanceof ProviderError && hint.test(error.message) && !error.retryable && error.stage === 'tts' && error.provider === provider,
      );
    });
  }

  it('builds each provider with its rate and default model', () => {
    const aura = create('deepgram', { DEEPGRAM_API_KEY: 'dg' });
    assert.ok(aura instanceof AuraStage);
    assert.deepEqual([aura.model, aura.sampleRate, aura.speaks], ['aura-2-thalia-en', 24_000, true]);
    const openai = create('openai', { OPENAI_API_KEY: 'sk' }, 'tts-1');
    assert.ok(openai instanceof OpenAITtsStage);
    assert.deepEqual([openai.model, openai.sampleRate], ['tts-1', 24_000]);
  });

  it(
    'uses espeak-ng at 22050 Hz for the system voice on Linux',
    { skip: process.platform !== 'linux' || !findProgram('espeak-ng') ? 'needs espeak-ng on Linux' : false },
    () => {
      const stage = create('system', process.env);
      assert.ok(stage instanceof SystemTtsStage);
      assert.deepEqual([stage.model, stage.sampleRate], ['espeak-ng', 22_050]);
    },
  );

  it('none: says voice replies are off, takes text and produces no audio', async () => {
    const stage = create('none', {});
    assert.deepEqual([stage.speaks, stage.silentReason], [false, SILENT_REASON]);
    const tts = stage.stream();
    const got = new Recording(tts);
    tts.pushText('This reply is shown as text only.');
    tts.flush();
    await waitFor(() => got.metrics.length > 0, { what: 'metrics' });
    assert.deepEqual([got.audio.length, got.done.length, got.errors.length], [0, 0, 0]);
    assert.deepEqual([got.metrics[0]!.segments, got.metrics[0]!.audioMs, got.metrics[0]!.ttfbMs], [0, 0, null]);
    await tts.close();
    assert.throws(() => tts.pushText('after close'), /closed/);
  });

  it('closes a stream when its signal aborts', async () => {
    const controller = new AbortController();
    const tts = create('none', {}).stream({ signal: controller.signal });
    controller.abort();
    await waitFor(() => tts.closed, { what: 'close' });
  });
});
