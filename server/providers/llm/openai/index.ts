/**
 * OpenAI chat completions, streamed through the official SDK, in two configurations: OpenAI
 * itself, and any OpenAI-compatible server (Ollama, llama.cpp, LM Studio, vLLM) at a base URL.
 */
import OpenAI from 'openai';
import type { Logger } from '../../../log';
import { ProviderError } from '../../errors';
import { cancelled, incomplete, type Vendor } from '../errors';
import { LLM, type LlmOptions } from '../llm';
import { sdkLogger } from '../sdk-logger';
import { DEFAULT_MAX_TOKENS, type ChatRequest, type ProviderChunk, type StopReason } from '../types';
import { explainOpenAIError } from './errors';
import { chatParams, type ChatDialect } from './request';
import { ToolCallAssembler } from './tool-calls';

export const OPENAI_DEFAULT_MODEL: OpenAI.ChatModel = 'gpt-4.1-mini';
export const OPENAI_ENDPOINT = 'https://api.openai.com/v1';
/** Sent when a compatible server has no key: most local servers ignore it, but the SDK needs one. */
export const PLACEHOLDER_KEY = 'parley-no-key';

export interface OpenAIConfig {
  apiKey: string;
  /** Empty: OpenAI's own endpoint (never the SDK's OPENAI_BASE_URL lookup). */
  baseUrl?: string;
  /** Empty: OPENAI_DEFAULT_MODEL. */
  model?: string;
}

export interface CompatibleConfig {
  baseUrl: string;
  /** Required: a compatible server has no default model Parley could know. */
  model: string;
  apiKey?: string;
}

interface Profile {
  provider: 'openai' | 'openai-compatible';
  vendor: Vendor;
  dialect: ChatDialect;
  baseURL: string;
  model: string;
  apiKey: string;
}

const STOP_REASONS: Record<string, StopReason> = {
  stop: 'end',
  tool_calls: 'toolUse',
  function_call: 'toolUse',
  length: 'maxTokens',
  content_filter: 'refusal',
};

function openAIProfile(config: OpenAIConfig): Profile {
  return {
    provider: 'openai',
    vendor: {
      label: 'OpenAI',
      keyHint: 'Check your OpenAI key (Parley: Set API Key).',
      notFoundHint: 'Check parley.llm.model: it must name an OpenAI chat model your key can use.',
    },
    dialect: { streamUsage: true, maxTokensField: 'max_completion_tokens' },
    baseURL: config.baseUrl || OPENAI_ENDPOINT,
    model: config.model || OPENAI_DEFAULT_MODEL,
    apiKey: config.apiKey,
  };
}

function compatibleProfile(config: CompatibleConfig): Profile {
  const vendor: Vendor = {
    label: `OpenAI-compatible server at ${config.baseUrl}`,
    keyHint: 'Check the key Parley sends it (Parley: Set API Key, OpenAI), or whether the server wants one.',
    notFoundHint: 'Check parley.llm.model (a model the server serves) and parley.llm.baseUrl (usually ending in /v1).',
  };
  if (!config.model)
    throw new ProviderError('llm', vendor.label, `Set parley.llm.model to a model your OpenAI-compatible server serves (for example qwen2.5-coder).`, false);
  return {
    provider: 'openai-compatible',
    vendor,
    dialect: { streamUsage: false, maxTokensField: 'max_tokens' },
    baseURL: config.baseUrl,
    model: config.model,
    apiKey: config.apiKey || PLACEHOLDER_KEY,
  };
}

export class OpenAILLM extends LLM {
  readonly #client: OpenAI;
  readonly #dialect: ChatDialect;

  static openai(config: OpenAIConfig, log: Logger, options?: LlmOptions): OpenAILLM {
    return new OpenAILLM(openAIProfile(config), log, options);
  }

  /** Throws a ProviderError saying what to set when the model is missing. */
  static compatible(config: CompatibleConfig, log: Logger, options?: LlmOptions): OpenAILLM {
    return new OpenAILLM(compatibleProfile(config), log, options);
  }

  private constructor(profile: Profile, log: Logger, options?: LlmOptions) {
    super(profile.provider, profile.model, profile.vendor, log, options);
    this.#dialect = profile.dialect;
    // Everything explicit, so the SDK reads no OPENAI_* variables; maxRetries 0 because the Guard owns retries.
    this.#client = new OpenAI({
      apiKey: profile.apiKey,
      baseURL: profile.baseURL,
      organization: null,
      project: null,
      maxRetries: 0,
      logger: sdkLogger(profile.vendor.label, log),
      logLevel: 'warn',
    });
  }

  protected async *stream(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ProviderChunk> {
    const stream = await this.#client.chat.completions.create(chatParams(request, this.model, this.#dialect), { signal });
    const calls = new ToolCallAssembler();
    let finish: string | undefined;
    let refused = false;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      usage = chunk.usage ?? usage;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const text = choice.delta?.content || choice.delta?.refusal;
      refused ||= Boolean(choice.delta?.refusal);
      if (text) yield { type: 'text', text };
      for (const fragment of choice.delta?.tool_calls ?? []) {
        const started = calls.add(fragment);
        if (started) yield { type: 'toolCallStart', ...started };
      }
      finish = choice.finish_reason ?? finish;
    }
    // The SDK ends the iteration quietly, without an error, when its signal aborts.
    if (signal.aborted) throw cancelled(this.vendor, signal.reason);
    if (!finish) throw incomplete(this.vendor);
    yield* this.ending(stopReasonOf(finish, refused, calls.size), calls, usage, request.maxTokens ?? DEFAULT_MAX_TOKENS);
  }

  protected explain(error: unknown): ProviderError {
    return explainOpenAIError(this.vendor, error);
  }

  private *ending(stopReason: StopReason, calls: ToolCallAssembler, usage: OpenAI.CompletionUsage | undefined, maxTokens: number): Generator<ProviderChunk> {
    for (const call of calls.finish(this.vendor, stopReason, maxTokens)) yield { type: 'toolCall', ...call };
    if (usage) {
      const cacheReadTokens = usage.prompt_tokens_details?.cached_tokens ?? 0;
      yield { type: 'usage', inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cacheReadTokens, cacheWriteTokens: 0 };
    }
    yield { type: 'stop', stopReason };
  }
}

/** Some compatible servers finish a tool-calling turn with `stop`; the calls are what counts. */
function stopReasonOf(finish: string, refused: boolean, toolCalls: number): StopReason {
  const reason = STOP_REASONS[finish] ?? 'other';
  if (refused) return 'refusal';
  if (toolCalls > 0 && reason === 'end') return 'toolUse';
  return reason;
}
