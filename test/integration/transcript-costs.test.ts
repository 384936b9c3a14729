/**
 * What each turn cost, as the panel shows it under the turn, in a real browser (Debian's
 * Chromium, headless): the model's tokens, the audio a spoken turn's recognizer was sent, the
 * text a spoken answer's voice was given and the audio it made, the tokens the answer's searches
 * embedded; local providers free, a model without a price saying so. The transcript module is
 * bundled as the panel bundles it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StoredTurn } from '../../protocol/session';
import { pageWithModule } from '../support/workbench';

const TURNS: StoredTurn[] = [
  {
    id: 1,
    sessionId: 's',
    role: 'user',
    text: 'why is this test failing',
    interrupted: false,
    source: 'voice',
    toolCalls: [],
    stt: { provider: 'deepgram', model: 'nova-3', audioSeconds: 3.42, costUsd: (3.42 / 60) * 0.0077 },
    createdAt: 1,
  },
  {
    id: 2,
    sessionId: 's',
    role: 'assistant',
    text: 'Because the list has two items.',
    interrupted: false,
    toolCalls: [],
    usage: { provider: 'openai', model: 'gpt-4.1-mini', inputTokens: 2200, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.000928 },
    tts: { provider: 'system', model: 'en-us', audioSeconds: 75.4, characters: 31, costUsd: 0 },
    embeddings: { provider: 'openai', model: 'text-embedding-4', tokens: 6 },
    createdAt: 2,
  },
];

describe('the cost under each turn in the panel', () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    ({ browser, page } = await pageWithModule([
      "import { transcriptView } from './webview/transcript';",
      'Object.assign(window, { show: (turns) => document.body.replaceChildren(...transcriptView(turns, undefined, () => undefined)) });',
    ]));
    await page.evaluate((turns) => (window as unknown as { show(turns: unknown): void }).show(turns), TURNS);
  });
  after(async () => {
    await browser?.close();
  });

  const line = async (turn: number, field: string) => ((await page.locator(`[data-turn="${turn}"] [data-field="${field}"]`).textContent()) ?? '').trim();

  it('shows the audio a spoken turn sent to the recognizer, and its cost', async () => {
    assert.equal(await line(1, 'stt'), '3.4 s of audio transcribed · $0.0004');
    assert.equal(await page.locator('[data-turn="1"] [data-field="stt"]').getAttribute('title'), 'deepgram · nova-3');
  });

  it('shows an answer’s tokens, its voice’s text and audio, and its searches’ embeddings, each with its cost', async () => {
    assert.equal(await line(2, 'usage'), '2.2k in · 30 out · $0.0009');
    assert.equal(await line(2, 'tts'), '31 characters spoken (1 min 15 s of audio) · free (local)');
    assert.equal(await line(2, 'embeddings'), '6 tokens embedded for searches · no price for this model');
    assert.equal(await page.locator('[data-turn="2"] [data-field="stt"]').count(), 0);
    assert.equal(await page.locator('[data-turn="1"] [data-field="tts"]').count(), 0);
  });
});
