/** The price table: which entry prices a model id, what usage costs, and a user's table validated. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_PRICES, PriceTableError, chatCost, embeddingCost, priceOf, priceTable, readPriceTable, speechCost, usageCost } from '../../../server/pricing';
import { normalizeSettings } from '../../../server/settings';
import type { Logger } from '../../../server/log';
import { emptyUsage } from '../../../server/logs/claudeCode/records';
import { tempDir } from '../../support/paths';

describe('priceOf', () => {
  it('takes the longest key that ends at a separator of the id', () => {
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-sonnet-4-5-20250929')?.inputPerMTok, 3);
    // Opus 4.5 is a third of Opus 4's price: the dated id must not fall back to claude-opus-4.
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-opus-4-5-20251101')?.inputPerMTok, 5);
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-opus-4-20250514')?.inputPerMTok, 15);
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-sonnet-5-5')?.cacheReadPerMTok, 0.1);
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-sonnet-5-20260101')?.cacheReadPerMTok, 0.2);
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-opus-4-6[1m]')?.inputPerMTok, 5);
  });

  it('prices nothing it does not know, rather than a neighbour', () => {
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-sonnet-45'), undefined);
    assert.equal(priceOf(DEFAULT_PRICES, 'gpt-4.10'), undefined);
    assert.equal(priceOf(DEFAULT_PRICES, 'gpt-4.1-mini-2025-04-14')?.inputPerMTok, 0.4);
    assert.equal(priceOf(DEFAULT_PRICES, 'claude-future-9'), undefined);
  });
});

describe('usageCost', () => {
  it('prices each kind of token at its own rate, per million', () => {
    const usage = {
      ...emptyUsage(),
      input_tokens: 1_000_000,
      output_tokens: 2_000_000,
      cache_read_input_tokens: 10_000_000,
      cache_creation_5m_input_tokens: 1_000_000,
      cache_creation_1h_input_tokens: 1_000_000,
    };
    // Haiku 4.5: $1 in, $5 out, $0.10 reads, $1.25 and $2 writes.
    assert.equal(usageCost(usage, priceOf(DEFAULT_PRICES, 'claude-haiku-4-5')!), 1 + 10 + 1 + 1.25 + 2);
  });

  it('falls back to the input price for cache rates a table leaves out', () => {
    const usage = { ...emptyUsage(), cache_read_input_tokens: 1_000_000, cache_creation_5m_input_tokens: 1_000_000, cache_creation_1h_input_tokens: 1_000_000 };
    assert.equal(usageCost(usage, { inputPerMTok: 2, outputPerMTok: 8 }), 6);
  });
});

describe('chatCost', () => {
  const answer = { inputTokens: 10_000, outputTokens: 1_000, cacheReadTokens: 6_000, cacheWriteTokens: 2_000 };

  it('prices the cached part of the input apart from the rest', () => {
    // Sonnet 4.5: 2,000 uncached at $3, 6,000 read at $0.30, 2,000 written at $3.75, 1,000 out at $15.
    assert.equal(
      chatCost(DEFAULT_PRICES, { ...answer, provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' }),
      (2000 * 3 + 6000 * 0.3 + 2000 * 3.75 + 1000 * 15) / 1e6,
    );
    // gpt-4.1-mini bills no cache writes: they are input at its price.
    assert.equal(
      chatCost(DEFAULT_PRICES, { ...answer, cacheWriteTokens: 0, provider: 'openai', model: 'gpt-4.1-mini' }),
      (4000 * 0.4 + 6000 * 0.1 + 1000 * 1.6) / 1e6,
    );
  });

  it('costs nothing on a local server and has no cost for a vendor model it cannot price', () => {
    assert.equal(chatCost(DEFAULT_PRICES, { ...answer, provider: 'openai-compatible', model: 'qwen2.5-coder' }), 0);
    assert.equal(chatCost(DEFAULT_PRICES, { ...answer, provider: 'openai', model: 'o9-preview' }), undefined);
  });
});

describe('readPriceTable', () => {
  const dir = tempDir('prices');
  after(() => dir.cleanup());
  const write = (name: string, text: string) => {
    const file = join(dir.path, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads a valid table', async () => {
    const table = await readPriceTable(
      write('ok.json', JSON.stringify({ takenOn: '2026-12-01', models: { 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } } })),
    );
    assert.equal(priceOf(table, 'my-model-v2')?.outputPerMTok, 2);
  });

  it('names the misspelt field of a table with a typo', async () => {
    const file = write('typo.json', JSON.stringify({ models: { 'my-model': { inputPerMTok: 1, outputPerMtok: 2 } } }));
    await assert.rejects(readPriceTable(file), (error: Error) => {
      assert.ok(error instanceof PriceTableError);
      assert.match(error.message, /models\.my-model/);
      return true;
    });
  });

  it('refuses a negative price and a file that is not JSON', async () => {
    await assert.rejects(
      readPriceTable(write('neg.json', JSON.stringify({ models: { m: { inputPerMTok: -1, outputPerMTok: 2 } } }))),
      /models\.m\.inputPerMTok/,
    );
    await assert.rejects(readPriceTable(write('bad.json', '{ models: ')), /not readable JSON/);
  });
});

describe('parley.pricing', () => {
  it('puts the user’s prices over the defaults: a model of theirs, a price that changed', () => {
    const table = priceTable({ 'my-local-70b': { inputPerMTok: 0.2, outputPerMTok: 0.2 }, 'claude-sonnet-4': { inputPerMTok: 2.5, outputPerMTok: 12 } });
    assert.equal(priceOf(table, 'my-local-70b-q4')?.inputPerMTok, 0.2);
    assert.equal(priceOf(table, 'claude-sonnet-4-5-20250929')?.inputPerMTok, 2.5);
    assert.equal(priceOf(table, 'claude-haiku-4-5')?.inputPerMTok, 1, 'the other defaults stay');
    assert.equal(priceTable({}), DEFAULT_PRICES);
  });

  it('ignores a table with a typo, saying which field is wrong', () => {
    const warnings: string[] = [];
    const ignore = () => undefined;
    const log: Logger = { debug: ignore, info: ignore, error: ignore, warn: (message: string) => warnings.push(message) };
    const settings = normalizeSettings({ pricing: { 'gpt-4.1': { inputPerMTok: 2, outputPerMtok: 8 } } }, log);
    assert.deepEqual(settings.pricing, {});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /parley\.pricing/);
    assert.match(warnings[0]!, /gpt-4\.1\.outputPerMTok: /, 'the field the misspelling left out');
  });
});

/** Equal to within floating point: prices are products of fractions. */
function near(actual: number | undefined, expected: number, message?: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, message ?? `${actual} is not ${expected}`);
}

describe('the price of speech and embeddings', () => {
  it('prices a recognizer by the minute of audio and a voice by the million characters, matched by provider:model prefix', () => {
    near(speechCost(DEFAULT_PRICES, { provider: 'deepgram', model: 'nova-3', audioSeconds: 120 }), 2 * 0.0077);
    near(speechCost(DEFAULT_PRICES, { provider: 'deepgram', model: 'nova-3-medical', audioSeconds: 60 }), 0.0077);
    near(speechCost(DEFAULT_PRICES, { provider: 'deepgram', model: 'flux-general-en', audioSeconds: 30 }), 0.0077 / 2);
    near(speechCost(DEFAULT_PRICES, { provider: 'openai', model: 'gpt-4o-mini-transcribe', audioSeconds: 60 }), 0.003);
    near(speechCost(DEFAULT_PRICES, { provider: 'deepgram', model: 'aura-2-thalia-en', audioSeconds: 9, characters: 1000 }), 0.03);
    near(speechCost(DEFAULT_PRICES, { provider: 'deepgram', model: 'aura-asteria-en', audioSeconds: 9, characters: 1000 }), 0.015);
    near(speechCost(DEFAULT_PRICES, { provider: 'openai', model: 'tts-1-hd', audioSeconds: 9, characters: 1_000_000 }), 30);
    // gpt-4o-mini-tts is billed by audio tokens: priced by the minute of audio it made.
    near(speechCost(DEFAULT_PRICES, { provider: 'openai', model: 'gpt-4o-mini-tts', audioSeconds: 120, characters: 1500 }), 0.03);
  });

  it('counts local recognizers and voices as free unless priced, and has no cost for an unknown hosted model', () => {
    near(speechCost(DEFAULT_PRICES, { provider: 'offline', model: 'pocketsphinx', audioSeconds: 60 }), 0);
    near(speechCost(DEFAULT_PRICES, { provider: 'system', model: 'espeak-ng', audioSeconds: 9, characters: 500 }), 0);
    near(speechCost(DEFAULT_PRICES, { provider: 'openai-compatible', model: 'whisper-1', audioSeconds: 60 }), 0);
    assert.equal(speechCost(DEFAULT_PRICES, { provider: 'deepgram', model: 'enhanced', audioSeconds: 60 }), undefined);
    const own = priceTable({}, { 'openai-compatible': { perAudioMinute: 0.001 }, 'deepgram:nova-3': { perAudioMinute: 0.005 } });
    near(speechCost(own, { provider: 'openai-compatible', model: 'whisper-1', audioSeconds: 60 }), 0.001);
    near(speechCost(own, { provider: 'deepgram', model: 'nova-3', audioSeconds: 60 }), 0.005, 'the user’s price over the default');
    near(speechCost(own, { provider: 'deepgram', model: 'aura-2-thalia-en', audioSeconds: 1, characters: 1e6 }), 30, 'the other defaults stay');
  });

  it('prices embedding tokens at the model’s input price; a compatible server without a price is free', () => {
    near(embeddingCost(DEFAULT_PRICES, { provider: 'openai', model: 'text-embedding-3-small', tokens: 1_000_000 }), 0.02);
    near(embeddingCost(DEFAULT_PRICES, { provider: 'openai', model: 'text-embedding-3-large', tokens: 500_000 }), 0.065);
    near(embeddingCost(DEFAULT_PRICES, { provider: 'openai-compatible', model: 'nomic-embed-text', tokens: 1000 }), 0);
    assert.equal(embeddingCost(DEFAULT_PRICES, { provider: 'openai', model: 'text-embedding-4', tokens: 1000 }), undefined);
  });

  it('ignores a speech price table with a typo, saying which field is wrong', () => {
    const warnings: string[] = [];
    const ignore = () => undefined;
    const log: Logger = { debug: ignore, info: ignore, error: ignore, warn: (message: string) => warnings.push(message) };
    const settings = normalizeSettings({ speechPricing: { 'deepgram:nova-3': { perAudioMinte: 0.004 } } }, log);
    assert.deepEqual(settings.speechPricing, {});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /parley\.speechPricing/);
    assert.match(warnings[0]!, /perAudioMinte/);
  });
});
