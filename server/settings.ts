/**
 * Typed settings for the server: pulled from the client per resource (the client alone reads
 * `parley.*`), or built from PARLEY_* environment variables on the command line. Both paths go
 * through `normalizeSettings`, so a malformed value falls back to the default with a warning
 * instead of reaching a provider.
 */
import {
  CAPTURE_PREFERENCES,
  DEFAULT_SETTINGS,
  VOICE_MODES,
  PROVIDERS_BY_STAGE,
  STAGES,
  type ParleySettings,
  type ReviewSettings,
  type Stage,
  type StageSettings,
  type VoiceSettings,
} from '../protocol/settings';
import type { Logger } from './log';

type Problems = string[];

function normalizeStage<S extends Stage>(stage: S, raw: unknown, problems: Problems): ParleySettings[S] {
  const fallback = DEFAULT_SETTINGS[stage];
  const value = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<keyof StageSettings<string>, unknown>>;
  const allowed = PROVIDERS_BY_STAGE[stage] as readonly string[];
  let provider = fallback.provider as string;
  if (typeof value.provider === 'string' && value.provider !== '') {
    if (allowed.includes(value.provider)) provider = value.provider;
    else problems.push(`parley.${stage}.provider "${value.provider}" is not one of ${allowed.join(', ')}; using ${provider}`);
  }
  const text = (field: 'model' | 'baseUrl') => (typeof value[field] === 'string' ? (value[field] as string).trim() : '');
  return { provider, model: text('model'), baseUrl: text('baseUrl') } as ParleySettings[S];
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T, problems: Problems): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (allowed.includes(value as T)) return value as T;
  problems.push(`parley.${name} "${String(value)}" is not one of ${allowed.join(', ')}; using ${fallback}`);
  return fallback;
}

function numberIn(name: string, value: unknown, min: number, max: number, fallback: number, problems: Problems): number {
  if (value === undefined || value === null || value === '') return fallback;
  const number = Number(value);
  if (Number.isFinite(number) && number >= min && number <= max) return number;
  problems.push(`parley.${name} ${JSON.stringify(value)} is not a number from ${min} to ${max}; using ${fallback}`);
  return fallback;
}

function flag(name: string, value: unknown, fallback: boolean, problems: Problems): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  problems.push(`parley.${name} "${String(value)}" is not true or false; using ${fallback}`);
  return fallback;
}

function normalizeVoice(raw: unknown, problems: Problems): VoiceSettings {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const fallback = DEFAULT_SETTINGS.voice;
  return {
    mode: oneOf('voice.mode', value.mode, VOICE_MODES, fallback.mode, problems),
    capture: oneOf('voice.capture', value.capture, CAPTURE_PREFERENCES, fallback.capture, problems),
    vadThreshold: numberIn('voice.vadThreshold', value.vadThreshold, 0.05, 0.95, fallback.vadThreshold, problems),
    silenceMs: numberIn('voice.silenceMs', value.silenceMs, 100, 5000, fallback.silenceMs, problems),
    eagerEndOfTurn: flag('voice.eagerEndOfTurn', value.eagerEndOfTurn, fallback.eagerEndOfTurn, problems),
  };
}

function patterns(name: string, value: unknown, problems: Problems): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list = typeof value === 'string' ? value.split(',') : value;
  if (Array.isArray(list) && list.every((item) => typeof item === 'string')) return list.map((item: string) => item.trim()).filter(Boolean);
  problems.push(`parley.${name} ${JSON.stringify(value)} is not a list of glob patterns; using none`);
  return [];
}

function normalizeReview(raw: unknown, problems: Problems): ReviewSettings {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return { exclude: patterns('review.exclude', value.exclude, problems) };
}

/** Fallback models: each entry a provider, model and base URL like parley.llm.*; malformed entries are dropped. */
function normalizeFallbacks(raw: unknown, problems: Problems): ParleySettings['llmFallbacks'] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) {
    problems.push(`parley.llm.fallbacks ${JSON.stringify(raw)} is not a list of models; using none`);
    return [];
  }
  return raw.flatMap((entry, i) => {
    const provider = (entry as { provider?: unknown } | null)?.provider;
    if (typeof provider !== 'string' || !(PROVIDERS_BY_STAGE.llm as readonly string[]).includes(provider)) {
      problems.push(`parley.llm.fallbacks[${i}] needs a provider (one of ${PROVIDERS_BY_STAGE.llm.join(', ')}); it is left out`);
      return [];
    }
    return [normalizeStage('llm', entry, problems)];
  });
}

export function normalizeSettings(raw: unknown, log?: Logger): ParleySettings {
  const source = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const problems: Problems = [];
  const stages = Object.fromEntries(STAGES.map((stage) => [stage, normalizeStage(stage, source[stage], problems)]));
  const settings = { ...stages, llmFallbacks: normalizeFallbacks(source.llmFallbacks, problems), voice: normalizeVoice(source.voice, problems), review: normalizeReview(source.review, problems) } as unknown as ParleySettings;
  for (const problem of problems) log?.warn(problem);
  return settings;
}

/** The environment variables the command line reads, with the same meaning as the settings. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, log?: Logger): ParleySettings {
  const stage = (name: string) => ({
    provider: env[`PARLEY_${name}`],
    model: env[`PARLEY_${name}_MODEL`],
    baseUrl: env[`PARLEY_${name}_BASE_URL`],
  });
  const voice = {
    mode: env.PARLEY_VOICE_MODE,
    capture: env.PARLEY_VOICE_CAPTURE,
    vadThreshold: env.PARLEY_VAD_THRESHOLD,
    silenceMs: env.PARLEY_VAD_SILENCE_MS,
    eagerEndOfTurn: env.PARLEY_VOICE_EAGER_END_OF_TURN,
  };
  const review = { exclude: env.PARLEY_REVIEW_EXCLUDE };
  const llmFallbacks = env.PARLEY_LLM_FALLBACKS ? parseFallbacks(env.PARLEY_LLM_FALLBACKS, log) : [];
  return normalizeSettings({ llm: stage('LLM'), stt: stage('STT'), tts: stage('TTS'), embeddings: stage('EMBEDDINGS'), llmFallbacks, voice, review }, log);
}

/** PARLEY_LLM_FALLBACKS holds the same list as parley.llm.fallbacks, as JSON. */
function parseFallbacks(text: string, log?: Logger): unknown {
  try {
    return JSON.parse(text);
  } catch {
    log?.warn('PARLEY_LLM_FALLBACKS is not JSON (a list of {"provider", "model", "baseUrl"}); using none');
    return [];
  }
}

/** Pulls settings from the client for a resource (or the window), caching until they change. */
export class SettingsStore {
  private readonly cache = new Map<string, Promise<ParleySettings>>();

  constructor(
    private readonly pull: (scopeUri: string | undefined) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  get(scopeUri?: string): Promise<ParleySettings> {
    const key = scopeUri ?? '';
    let settings = this.cache.get(key);
    if (!settings) {
      settings = this.pull(scopeUri).then(
        (raw) => normalizeSettings(raw, this.log),
        (error: unknown) => {
          this.cache.delete(key);
          throw error;
        },
      );
      this.cache.set(key, settings);
    }
    return settings;
  }

  invalidate(): void {
    this.cache.clear();
  }
}
