/**
 * The LLM stage as the rest of the server uses it: `createLlmStage(settings, keys, log)` builds
 * the ordered provider list (candidates.ts) and `stage.chat(request, signal)` streams an answer
 * from the first provider that starts one.
 *
 *   const stage = createLlmStage(settings, keys, log);
 *   for await (const event of stage.chat({ system, messages, tools }, turn.signal)) {
 *     if (event.type === 'text') speak(event.text);
 *     else if (event.type === 'toolCall') runTool(event);
 *     else if (event.type === 'done') metrics.llmTtftMs = event.ttftMs;
 *   }
 */
import { performance } from 'node:perf_hooks';
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../errors';
import type { Keys } from '../keys';
import { withFallback } from '../resilience';
import { AnthropicLLM } from './anthropic';
import { llmCandidates, llmStatus, type LlmSettings } from './candidates';
import type { LLM, LlmOptions } from './llm';
import { OpenAILLM } from './openai';
import type { AnswerStream } from './stream';
import type { ChatRequest, LlmChat, LlmEvent } from './types';

export type * from './types';
export { DEFAULT_MAX_TOKENS, llmEvent } from './types';
export { LLM, type LlmOptions } from './llm';
export type { LlmSettings } from './candidates';
export { AnthropicLLM, ANTHROPIC_DEFAULT_MODEL } from './anthropic';
export { OpenAILLM, OPENAI_DEFAULT_MODEL } from './openai';

export interface LlmStageOptions extends LlmOptions {
  /** Providers to try after the configured one, in order (see candidates.ts). */
  fallbacks?: readonly LlmSettings[];
}

/** The configured provider and its fallbacks behind one `chat`. */
export class LlmStage implements LlmChat {
  constructor(
    readonly providers: readonly LLM[],
    private readonly log: Logger,
  ) {}

  /**
   * Streams an answer. A provider that fails before its first text or tool call (after its own
   * retries) hands over to the next when the failure is transient; a refusal such as a bad key
   * is thrown at once, since it needs the user. Ends without `done` when `signal` aborts.
   */
  async *chat(request: ChatRequest, signal?: AbortSignal): AsyncGenerator<LlmEvent> {
    const startedAt = performance.now();
    let answer: AnswerStream;
    try {
      answer = await withFallback(this.providers, (llm) => this.open(llm, request, signal, startedAt), signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    yield* answer;
  }

  private async open(llm: LLM, request: ChatRequest, signal: AbortSignal | undefined, startedAt: number): Promise<AnswerStream> {
    try {
      return await llm.open(request, signal, startedAt);
    } catch (error) {
      const next = this.providers[this.providers.indexOf(llm) + 1];
      if (next && !signal?.aborted && error instanceof ProviderError && error.retryable) {
        this.log.warn('LLM provider failed; trying the next one', { failed: llm.vendor.label, next: next.vendor.label, error: error.message });
      }
      throw error;
    }
  }
}

function createProvider(llm: LlmSettings, keys: Keys, log: Logger, options: LlmOptions): LLM {
  switch (llm.provider) {
    case 'anthropic':
      return new AnthropicLLM({ apiKey: keys.get('anthropic')!, baseUrl: llm.baseUrl, model: llm.model }, log, options);
    case 'openai':
      return OpenAILLM.openai({ apiKey: keys.get('openai')!, baseUrl: llm.baseUrl, model: llm.model }, log, options);
    case 'openai-compatible':
      return OpenAILLM.compatible({ baseUrl: llm.baseUrl, model: llm.model, apiKey: keys.get('openai') }, log, options);
  }
}

/**
 * Builds the stage from the settings. Throws a ProviderError (not retryable) when no provider is
 * configured, with the status report's sentence for the configured provider, or when a
 * configured OpenAI-compatible server has no model named.
 */
export function createLlmStage(settings: ParleySettings, keys: Keys, log: Logger, options: LlmStageOptions = {}): LlmStage {
  const { fallbacks = settings.llmFallbacks, ...llmOptions } = options;
  const candidates = llmCandidates(settings, keys, fallbacks);
  if (candidates.length === 0) {
    const status = llmStatus(settings, keys);
    throw new ProviderError('llm', settings.llm.provider, status.hint ?? 'No language model is configured.', false);
  }
  if (candidates[0] !== settings.llm)
    log.warn('The configured language model is not set up; using the next one', { configured: settings.llm.provider, using: candidates[0]!.provider });
  return new LlmStage(
    candidates.map((llm) => createProvider(llm, keys, log, llmOptions)),
    log,
  );
}
