/**
 * Which LLM providers the stage may use, in the order it tries them:
 *
 * 1. The configured provider (`parley.llm.*`), when it is configured.
 * 2. Explicit fallbacks, in their order: a local OpenAI-compatible server, say. The settings hold
 *    one base URL per stage, the configured provider's, so a second server has to be named here.
 * 3. When the configured provider is a cloud vendor: the other cloud vendors that have a key, on
 *    their own endpoints with their default models (Anthropic before OpenAI). A local server never
 *    falls back to the cloud by itself: whoever chose a local model may not want their code sent out.
 *
 * "Configured" is what the status report says (status.ts), so the two never disagree.
 */
import type { LlmProvider, ParleySettings, StageSettings } from '../../../protocol/settings';
import type { Keys } from '../keys';
import { configuredChoices, stageStatus } from '../status';

export type LlmSettings = StageSettings<LlmProvider>;

const CLOUD_VENDORS: readonly LlmProvider[] = ['anthropic', 'openai'];

export function llmStatus(settings: ParleySettings, keys: Keys, llm: LlmSettings = settings.llm) {
  return stageStatus('llm', settings, keys, process.env, llm);
}

export function llmCandidates(settings: ParleySettings, keys: Keys, fallbacks: readonly LlmSettings[] = []): LlmSettings[] {
  const configured = (llm: LlmSettings) => llmStatus(settings, keys, llm).configured;
  const chosen = configuredChoices('llm', settings, [settings.llm, ...fallbacks], keys);
  if (CLOUD_VENDORS.includes(settings.llm.provider)) {
    for (const provider of CLOUD_VENDORS) {
      const vendor: LlmSettings = { provider, model: '', baseUrl: '' };
      if (!chosen.some((c) => c.provider === provider) && configured(vendor)) chosen.push(vendor);
    }
  }
  return chosen;
}
