/**
 * The recognizer chosen by the keys (parley.stt.provider: auto): Deepgram, then OpenAI, then
 * offline; what the status report shows of it; and that an explicit choice is kept whatever the keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { stageStatuses } from '../../../server/providers/status';
import { resolveStt } from '../../../server/providers/stt/byKeys';
import { createSttStage } from '../../../server/providers/stt/factory';
import { createLogger } from '../../../server/log';

const DEEPGRAM = { DEEPGRAM_API_KEY: 'dg-test' };
const OPENAI = { OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' };
const quiet = createLogger(() => undefined);
const withStt = (stt: Partial<ParleySettings['stt']>): ParleySettings => ({ ...structuredClone(DEFAULT_SETTINGS), stt: { ...DEFAULT_SETTINGS.stt, ...stt } });

describe('the recognizer chosen by the keys', () => {
  it('is the default', () => assert.equal(DEFAULT_SETTINGS.stt.provider, 'auto'));

  it('is Deepgram with a Deepgram key, OpenAI with only an OpenAI key, offline with neither', () => {
    const auto = DEFAULT_SETTINGS.stt;
    assert.equal(resolveStt(auto, new Keys({ ...DEEPGRAM, ...OPENAI })).provider, 'deepgram');
    assert.equal(resolveStt(auto, new Keys(OPENAI)).provider, 'openai');
    assert.equal(resolveStt(auto, new Keys({})).provider, 'offline');
    assert.equal(resolveStt(auto, new Keys({ DEEPGRAM_API_KEY: '  ' })).provider, 'offline', 'a blank key is no key');
  });

  it('leaves an explicit choice as it is, keys or not', () => {
    const offline = { provider: 'offline', model: '', baseUrl: '' } as const;
    assert.deepEqual(resolveStt(offline, new Keys(DEEPGRAM)), offline);
    const compatible = { provider: 'openai-compatible', model: 'whisper', baseUrl: 'http://127.0.0.1:9/v1' } as const;
    assert.deepEqual(resolveStt(compatible, new Keys(DEEPGRAM)), compatible);
  });

  it('builds the chosen provider', () => {
    assert.equal(createSttStage(withStt({}), new Keys(DEEPGRAM), quiet).provider, 'deepgram');
    assert.equal(createSttStage(withStt({}), new Keys(OPENAI), quiet).provider, 'openai');
  });

  it('shows in the status report as the provider used, saying why and how to choose another', () => {
    const [stt] = stageStatuses(withStt({}), new Keys(OPENAI)).filter((stage) => stage.stage === 'stt');
    assert.equal(stt!.provider, 'openai');
    assert.equal(stt!.configured, true);
    assert.match(stt!.note!, /OpenAI key and no Deepgram key/);
    assert.match(stt!.note!, /Set parley\.stt\.provider/);
    const [explicit] = stageStatuses(withStt({ provider: 'openai' }), new Keys(OPENAI)).filter((stage) => stage.stage === 'stt');
    assert.equal(explicit!.note, undefined, 'a recognizer the user chose needs no note');
  });

  it('with no key and no offline recognizer on PATH, says what to install', () => {
    const [stt] = stageStatuses(withStt({}), new Keys({}), { PATH: '/nonexistent' }).filter((stage) => stage.stage === 'stt');
    assert.equal(stt!.provider, 'offline');
    assert.equal(stt!.configured, false);
    assert.match(stt!.hint!, /pocketsphinx/);
    assert.match(stt!.note!, /no Deepgram or OpenAI key/);
  });
});
