/**
 * What usage costs: the default price table, a user's own table read and validated, the price of
 * a model id, and the cost of a usage record.
 */
import { readFile } from 'node:fs/promises';
import { schemaProblem } from './log';
import { PriceTableSchema, type ModelPrice, type PriceTable, type SpeechPrice } from '../protocol/pricing';
import type { TokenUsage } from '../protocol/logs';
import type { EmbeddingUsage, SpeechUsage } from '../protocol/session';

function anthropic(input: number, output: number, cacheRead: number): ModelPrice {
  // Anthropic prices cache writes at 1.25× input (5 minutes) and 2× input (an hour).
  return { inputPerMTok: input, outputPerMTok: output, cacheWrite5mPerMTok: input * 1.25, cacheWrite1hPerMTok: input * 2, cacheReadPerMTok: cacheRead };
}

/**
 * Read off Anthropic's pricing and model pages. Haiku 5.5 is priced at its rate for prompts up to
 * 100k tokens (longer prompts cost five times as much), so its cost here is a lower bound.
 */
export const DEFAULT_PRICES: PriceTable = {
  takenOn: '2026-12-03',
  models: {
    'claude-fable-5-1': anthropic(10, 50, 0.25),
    'claude-mythos-5-1': anthropic(10, 50, 0.25),
    'claude-fable-5': anthropic(10, 50, 1),
    'claude-mythos-5': anthropic(10, 50, 1),
    'claude-opus-5-5': anthropic(4, 20, 0.2),
    'claude-opus-5': anthropic(5, 25, 0.5),
    'claude-opus-4-8': anthropic(5, 25, 0.5),
    'claude-opus-4-7': anthropic(5, 25, 0.5),
    'claude-opus-4-6': anthropic(5, 25, 0.5),
    'claude-opus-4-5': anthropic(5, 25, 0.5),
    'claude-opus-4-1': anthropic(15, 75, 1.5),
    'claude-opus-4': anthropic(15, 75, 1.5),
    'claude-3-opus': anthropic(15, 75, 1.5),
    'claude-sonnet-5-5': anthropic(2, 10, 0.1),
    'claude-sonnet-5': anthropic(2, 10, 0.2),
    'claude-sonnet-4': anthropic(3, 15, 0.3),
    'claude-3-7-sonnet': anthropic(3, 15, 0.3),
    'claude-3-5-sonnet': anthropic(3, 15, 0.3),
    'claude-3-sonnet': anthropic(3, 15, 0.3),
    'claude-haiku-5-5': anthropic(0.1, 0.5, 0.01),
    'claude-haiku-4-5': anthropic(1, 5, 0.1),
    'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4, cacheWrite5mPerMTok: 1, cacheWrite1hPerMTok: 1.6, cacheReadPerMTok: 0.08 },
    'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25, cacheWrite5mPerMTok: 0.3, cacheWrite1hPerMTok: 0.5, cacheReadPerMTok: 0.03 },
    // OpenAI, from copies of its pricing page (its own was not reachable here): cached input is what
    // OpenAI bills for prompt-cache hits; it bills no cache writes.
    'gpt-5': openai(1.25, 10, 0.125),
    'gpt-5-mini': openai(0.25, 2, 0.025),
    'gpt-5-nano': openai(0.05, 0.4, 0.005),
    'gpt-4.1': openai(2, 8, 0.5),
    'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
    'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
    'gpt-4o': openai(2.5, 10, 1.25),
    'gpt-4o-mini': openai(0.15, 0.6, 0.075),
    // Embedding models are billed for their input alone.
    'text-embedding-3-small': openai(0.02, 0, 0.02),
    'text-embedding-3-large': openai(0.13, 0, 0.13),
    'text-embedding-ada-002': openai(0.1, 0, 0.1),
  },
  /**
   * Recognizers by the minute of audio sent (Deepgram's pay-as-you-go streaming rates; OpenAI's
   * per-minute rates, which for its gpt-4o transcribers are OpenAI's own estimate of token
   * billing), voices by the million characters (tts-1 and tts-1-hd as OpenAI's model pages state
   * them, Aura and Aura-2 as Deepgram lists them) or, for gpt-4o-mini-tts, which OpenAI bills by
   * audio tokens, by OpenAI's estimate per minute of audio made. Copies of these pages disagree
   * here and there: a user who pays other rates sets `parley.speechPricing`. Taken 2026-12-04.
   */
  speech: {
    'deepgram:nova-3': { perAudioMinute: 0.0077 },
    'deepgram:nova-2': { perAudioMinute: 0.0058 },
    'deepgram:flux': { perAudioMinute: 0.0077 },
    'deepgram:aura-2': { perMCharacters: 30 },
    'deepgram:aura': { perMCharacters: 15 },
    'openai:whisper-1': { perAudioMinute: 0.006 },
    'openai:gpt-4o-transcribe': { perAudioMinute: 0.006 },
    'openai:gpt-4o-mini-transcribe': { perAudioMinute: 0.003 },
    'openai:tts-1': { perMCharacters: 15 },
    'openai:tts-1-hd': { perMCharacters: 30 },
    'openai:gpt-4o-mini-tts': { perAudioMinute: 0.015 },
  },
};

function openai(input: number, output: number, cachedInput: number): ModelPrice {
  return { inputPerMTok: input, outputPerMTok: output, cacheReadPerMTok: cachedInput };
}

/** The default table with the user's own prices (`parley.pricing`, `parley.speechPricing`) over it. */
export function priceTable(own: Readonly<Record<string, ModelPrice>>, ownSpeech: Readonly<Record<string, SpeechPrice>> = {}): PriceTable {
  if (Object.keys(own).length === 0 && Object.keys(ownSpeech).length === 0) return DEFAULT_PRICES;
  return { ...DEFAULT_PRICES, models: { ...DEFAULT_PRICES.models, ...own }, speech: { ...DEFAULT_PRICES.speech, ...ownSpeech } };
}

/** Claude Code writes this model on messages it made itself (an interruption, an API error): nothing was billed. */
export const SYNTHETIC_MODEL = '<synthetic>';

export class PriceTableError extends Error {}

/** A price table from a JSON file, validated: the first wrong field is named. */
export async function readPriceTable(file: string): Promise<PriceTable> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PriceTableError(`The price table ${file} is not readable JSON: ${(error as Error).message}`);
  }
  const parsed = PriceTableSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new PriceTableError(`The price table ${file} is not valid: ${schemaProblem(parsed.error)}`);
}

/** The price of `model`: its own entry, else the longest key it starts with up to a separator. */
export function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  return entryOf(table.models, model);
}

/** `id`'s own entry in `prices`, else that of the longest key it starts with up to a separator. */
function entryOf<T>(prices: Readonly<Record<string, T>>, id: string): T | undefined {
  const exact = prices[id];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(prices)) {
    if (!id.startsWith(key) || !/[-@[:.]/.test(id[key.length] ?? '')) continue;
    if (!best || key.length > best.length) best = key;
  }
  return best === undefined ? undefined : prices[best];
}

/** Recognizers and voices that run on the user's machine or a server of theirs, which cost nothing unless priced. */
const LOCAL_SPEECH = new Set(['offline', 'openai-compatible', 'system', 'none']);

/**
 * USD for what a recognizer was sent or a voice was given (`speech`), at `provider:model`'s price.
 * A local one without a price of its own costs nothing; any other without a price has no cost
 * (undefined).
 */
export function speechCost(table: PriceTable, speech: Omit<SpeechUsage, 'costUsd'>): number | undefined {
  const price = entryOf(table.speech ?? {}, `${speech.provider}:${speech.model}`);
  if (!price) return LOCAL_SPEECH.has(speech.provider) ? 0 : undefined;
  return ((price.perAudioMinute ?? 0) * speech.audioSeconds) / 60 + ((price.perMCharacters ?? 0) * (speech.characters ?? 0)) / 1_000_000;
}

/** USD for the tokens an embedding model read, at its input price; an OpenAI-compatible server without a price costs nothing. */
export function embeddingCost(table: PriceTable, embedding: Omit<EmbeddingUsage, 'costUsd'>): number | undefined {
  const price = priceOf(table, embedding.model);
  if (!price) return embedding.provider === 'openai-compatible' ? 0 : undefined;
  return (embedding.tokens * price.inputPerMTok) / 1_000_000;
}

/**
 * USD for one answer's tokens (`inputTokens` counting cached ones too, as Parley's LLM layer
 * reports them). An OpenAI-compatible server without a price in the table is taken to be a
 * local one, which costs nothing; any other model without a price has no cost (undefined).
 */
export function chatCost(
  table: PriceTable,
  answer: { provider: string; model: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number },
): number | undefined {
  const price = priceOf(table, answer.model);
  if (!price) return answer.provider === 'openai-compatible' ? 0 : undefined;
  const uncached = Math.max(0, answer.inputTokens - answer.cacheReadTokens - answer.cacheWriteTokens);
  const usage: TokenUsage = {
    input_tokens: uncached,
    output_tokens: answer.outputTokens,
    cache_creation_input_tokens: answer.cacheWriteTokens,
    cache_read_input_tokens: answer.cacheReadTokens,
    cache_creation_5m_input_tokens: answer.cacheWriteTokens,
    cache_creation_1h_input_tokens: 0,
  };
  return usageCost(usage, price);
}

/** USD for `usage` at `price`. */
export function usageCost(usage: TokenUsage, price: ModelPrice): number {
  const write5m = price.cacheWrite5mPerMTok ?? price.inputPerMTok;
  const perToken =
    usage.input_tokens * price.inputPerMTok +
    usage.output_tokens * price.outputPerMTok +
    usage.cache_creation_5m_input_tokens * write5m +
    usage.cache_creation_1h_input_tokens * (price.cacheWrite1hPerMTok ?? write5m) +
    usage.cache_read_input_tokens * (price.cacheReadPerMTok ?? price.inputPerMTok);
  return perToken / 1_000_000;
}
