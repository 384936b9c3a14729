/**
 * The server's provider stages, built once from the settings and kept while the settings that
 * shape them stay the same: the conversation, Fix with Parley, the review and each microphone
 * capture ask here instead of building their own. Every provider runs under one guard for the
 * server's lifetime (resilience.ts GuardPool), so a provider that is down is skipped by all of
 * them, and stays skipped when a settings change rebuilds its stage.
 *
 *   const providers = new ProviderRegistry(keys, log);
 *   const llm = providers.llm(await settings.get());
 *   connection.onDidChangeConfiguration(() => providers.invalidate());
 */
import type { ParleySettings } from '../../protocol/settings';
import type { Logger } from '../log';
import type { Keys } from './keys';
import { createLlmStage, type LlmOptions, type LlmStage } from './llm';
import { GuardPool } from './resilience';
import { createSttStage, type STT, type SttStageOptions } from './stt';
import { createTtsStage, type TtsStage, type TtsStageOptions } from './tts';

export interface ProviderRegistryOptions {
  /** Where programs are looked up, and what child processes inherit (allow-listed); default process.env. */
  env?: NodeJS.ProcessEnv;
  llm?: Omit<LlmOptions, 'guards'>;
  stt?: Omit<SttStageOptions, 'env' | 'guards'>;
  tts?: Omit<TtsStageOptions, 'env' | 'guards'>;
}

export class ProviderRegistry {
  readonly #guards = new GuardPool();
  readonly #stages = new Map<string, unknown>();

  constructor(
    private readonly keys: Keys,
    private readonly log: Logger,
    private readonly options: ProviderRegistryOptions = {},
  ) {}

  /** The language model and its fallbacks. Throws a ProviderError when none is set up. */
  llm(settings: ParleySettings): LlmStage {
    const key = ['llm', settings.llm, settings.llmFallbacks];
    return this.#cached(key, () => createLlmStage(settings, this.keys, this.log, { ...this.options.llm, guards: this.#guards }));
  }

  /** The recognizer and its fallbacks. Throws a ProviderError when none is set up. */
  stt(settings: ParleySettings): STT {
    // Flux is asked for eager end-of-turn events only when the voice loop uses them.
    const key = ['stt', settings.stt, settings.sttFallbacks, settings.voice.eagerEndOfTurn];
    return this.#cached(key, () => createSttStage(settings, this.keys, this.log, { ...this.options.stt, env: this.options.env, guards: this.#guards }));
  }

  /** The voice and its fallbacks. Throws a ProviderError when none is set up. */
  tts(settings: ParleySettings): TtsStage {
    const key = ['tts', settings.tts, settings.ttsFallbacks];
    return this.#cached(key, () => createTtsStage(settings, this.keys, this.log, { ...this.options.tts, env: this.options.env, guards: this.#guards }));
  }

  /**
   * The settings (or keys) changed: stages are built anew when next asked for. The guards stay,
   * so a provider that is down is still skipped after the change.
   */
  invalidate(): void {
    this.#stages.clear();
  }

  /** A stage that cannot be built is not kept: the next request says again what is missing. */
  #cached<T>(key: readonly unknown[], build: () => T): T {
    const id = JSON.stringify(key);
    if (!this.#stages.has(id)) this.#stages.set(id, build());
    return this.#stages.get(id) as T;
  }
}
