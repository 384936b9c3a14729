/**
 * Anthropic Messages API, streamed through the official SDK's MessageStream: text deltas pass
 * straight through; tool inputs are assembled from `input_json_delta` fragments by the SDK and
 * taken from its final message, once the stop reason says whether they are complete.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '../../../log';
import type { ProviderError } from '../../errors';
import { isJsonObject } from '../conversation';
import { badToolInput, incomplete, truncatedToolCall, type Vendor } from '../errors';
import { LLM, type LlmOptions } from '../llm';
import { sdkLogger } from '../sdk-logger';
import { DEFAULT_MAX_TOKENS, type ChatRequest, type ProviderChunk, type StopReason } from '../types';
import { explainAnthropicError } from './errors';
import { anthropicParams } from './request';

/** The fastest current Claude model, as the SDK names it: a voice answer lives on time to first token. */
export const ANTHROPIC_DEFAULT_MODEL: Anthropic.Model = 'claude-haiku-4-5';
export const ANTHROPIC_ENDPOINT = 'https://api.anthropic.com';

export interface AnthropicConfig {
  apiKey: string;
  /** Empty: Anthropic's own endpoint (never the SDK's ANTHROPIC_BASE_URL lookup). */
  baseUrl?: string;
  /** Empty: ANTHROPIC_DEFAULT_MODEL. */
  model?: string;
}

export const ANTHROPIC_VENDOR: Vendor = {
  label: 'Anthropic',
  keyHint: 'Check your Anthropic key (Parley: Set API Key).',
  notFoundHint: 'Check parley.llm.model: it must name a Claude model your key can use.',
};

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: 'end',
  stop_sequence: 'end',
  tool_use: 'toolUse',
  max_tokens: 'maxTokens',
  refusal: 'refusal',
};

export class AnthropicLLM extends LLM {
  readonly #client: Anthropic;

  constructor(config: AnthropicConfig, log: Logger, options?: LlmOptions) {
    super('anthropic', config.model || ANTHROPIC_DEFAULT_MODEL, ANTHROPIC_VENDOR, log, options);
    // The key is passed explicitly, which also stops the SDK reading credentials from the
    // environment; maxRetries 0 because the Guard owns retries.
    this.#client = new Anthropic({
      apiKey: config.apiKey,
      baseURL: config.baseUrl || ANTHROPIC_ENDPOINT,
      maxRetries: 0,
      logger: sdkLogger('Anthropic', log),
      logLevel: 'warn',
    });
  }

  protected async *stream(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ProviderChunk> {
    const stream = this.#client.messages.stream(anthropicParams(request, this.model), { signal });
    // The tool whose input is streaming: a parse failure of the SDK belongs to it.
    let openTool: string | undefined;
    try {
      for await (const event of stream) {
        if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
          openTool = event.content_block.name;
          yield { type: 'toolCallStart', id: event.content_block.id, name: openTool };
        } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta' && event.delta.text) {
          yield { type: 'text', text: event.delta.text };
        } else if (event.type === 'content_block_stop') {
          openTool = undefined;
        }
      }
      // The SDK's iterator ends quietly when an error arrives while nobody awaits it;
      // finalMessage() rethrows that error.
      yield* this.ending(await stream.finalMessage(), request.maxTokens ?? DEFAULT_MAX_TOKENS);
    } catch (error) {
      if (openTool !== undefined && error instanceof Error && error.cause instanceof SyntaxError) throw badToolInput(this.vendor, openTool, error);
      throw error;
    }
  }

  protected explain(error: unknown): ProviderError {
    return explainAnthropicError(this.vendor, error);
  }

  /** The complete tool calls, the usage and the stop reason of a finished message. */
  private *ending(message: Anthropic.Message, maxTokens: number): Generator<ProviderChunk> {
    if (!message.stop_reason) throw incomplete(this.vendor);
    const stopReason = STOP_REASONS[message.stop_reason] ?? 'other';
    for (const [index, block] of message.content.entries()) {
      if (block.type !== 'tool_use') continue;
      // At max_tokens the last tool block is cut short, and the SDK's lenient parser would pass it off as complete.
      if (stopReason === 'maxTokens' && index === message.content.length - 1) throw truncatedToolCall(this.vendor, block.name, maxTokens);
      if (!isJsonObject(block.input)) throw badToolInput(this.vendor, block.name);
      yield { type: 'toolCall', id: block.id, name: block.name, input: block.input };
    }
    const { input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens } = message.usage;
    const cacheReadTokens = cache_read_input_tokens ?? 0;
    const cacheWriteTokens = cache_creation_input_tokens ?? 0;
    // Anthropic counts cached input apart from input_tokens; Parley's inputTokens counts all input.
    yield { type: 'usage', inputTokens: input_tokens + cacheReadTokens + cacheWriteTokens, outputTokens: output_tokens, cacheReadTokens, cacheWriteTokens };
    yield { type: 'stop', stopReason };
  }
}
