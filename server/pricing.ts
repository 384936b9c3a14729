/**
 * What usage costs: the default price table, a user's own table read and validated, the price of
 * a model id, and the cost of a usage record.
 */
import { readFile } from 'node:fs/promises';
import { schemaProblem } from './log';
import { PriceTableSchema, type ModelPrice, type PriceTable } from '../protocol/pricing';
import type { TokenUsage } from '../protocol/logs';

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
  },
};

function openai(input: number, output: number, cachedInput: number): ModelPrice {
  return { inputPerMTok: input, outputPerMTok: output, cacheReadPerMTok: cachedInput };
}

/** The default table with the user's own prices (`parley.pricing`) over it. */
export function priceTable(own: Readonly<Record<string, ModelPrice>>): PriceTable {
  return Object.keys(own).length === 0 ? DEFAULT_PRICES : { ...DEFAULT_PRICES, models: { ...DEFAULT_PRICES.models, ...own } };
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
  const exact = table.models[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table.models)) {
    if (!model.startsWith(key) || !/[-@[:.]/.test(model[key.length] ?? '')) continue;
    if (!best || key.length > best.length) best = key;
  }
  return best === undefined ? undefined : table.models[best];
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
