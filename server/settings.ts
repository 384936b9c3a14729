/**
 * Typed settings for the server: pulled from the client per resource (the client alone reads
 * `parley.*`), or built from PARLEY_* environment variables on the command line. Both paths go
 * through `normalizeSettings`, which parses them with the settings schema field by field, so a
 * malformed value falls back to its default with a warning instead of reaching a provider.
 */
import * as z from 'zod/mini';
import { $ZodArray, type $ZodType } from 'zod/v4/core';
import { objectShape, ParleySettingsSchema, settingName, withoutDefault, type ParleySettings } from '../protocol/settings';
import { schemaProblem, type Logger } from './log';

type Problems = string[];
type Path = (string | number)[];
type Schema = $ZodType;

/** A required field (a fallback's provider) that is missing or wrong: its list entry is left out. */
class EntryLeftOut extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nothing set: the setting's default, without a warning. */
function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** A default as a warning names it: `offline`, `0.5`, `none` for an empty text or list. */
function shown(value: unknown): string {
  if (value === '' || (Array.isArray(value) && value.length === 0)) return 'none';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A list of objects (the fallback models), whose malformed entries are left out one by one. */
function entrySchema(schema: Schema): Schema | undefined {
  const inner = withoutDefault(schema);
  return inner instanceof $ZodArray && objectShape(inner._zod.def.element) ? inner._zod.def.element : undefined;
}

/** The field's default; a field without one is required, so its list entry is left out. */
function fallbackOf(schema: Schema, path: Path, problem: string): unknown {
  const result = z.safeParse(schema, undefined);
  if (!result.success) throw new EntryLeftOut(`its ${path.at(-1)} ${problem}`);
  return result.data;
}

function lenient(schema: Schema, raw: unknown, path: Path, problems: Problems): unknown {
  const shape = objectShape(schema);
  if (shape) {
    const value = isRecord(raw) ? raw : {};
    return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, lenient(field, value[key], [...path, key], problems)]));
  }
  if (absent(raw)) return fallbackOf(schema, path, 'is missing');
  const entry = entrySchema(schema);
  if (entry && Array.isArray(raw)) return raw.flatMap((item, i) => leftOutIfMalformed(entry, item, [...path, i], problems));
  const result = z.safeParse(schema, raw);
  if (result.success) return result.data;
  const problem = `${JSON.stringify(raw)} ${schemaProblem(result.error)}`;
  const fallback = fallbackOf(schema, path, problem);
  problems.push(`parley.${settingName(path)} ${problem}; using ${shown(fallback)}`);
  return fallback;
}

function leftOutIfMalformed(schema: Schema, raw: unknown, path: Path, problems: Problems): unknown[] {
  try {
    return [lenient(schema, raw, path, problems)];
  } catch (error) {
    if (!(error instanceof EntryLeftOut)) throw error;
    problems.push(`parley.${settingName(path)} is left out: ${error.message}`);
    return [];
  }
}

export function normalizeSettings(raw: unknown, log?: Logger): ParleySettings {
  const problems: Problems = [];
  // The lenient pass leaves only valid values, so the strict parse that gives them their type cannot fail.
  const settings = ParleySettingsSchema.parse(lenient(ParleySettingsSchema, raw, [], problems));
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
    endOfThoughtMs: env.PARLEY_VOICE_END_OF_THOUGHT_MS,
    questionSilenceMs: env.PARLEY_VOICE_QUESTION_SILENCE_MS,
  };
  const review = { exclude: env.PARLEY_REVIEW_EXCLUDE };
  const fallbacks = (name: string) => parseFallbacks(name, env[`PARLEY_${name}_FALLBACKS`], log);
  const [llmFallbacks, sttFallbacks, ttsFallbacks] = ['LLM', 'STT', 'TTS'].map(fallbacks);
  return normalizeSettings(
    {
      llm: stage('LLM'),
      stt: stage('STT'),
      tts: stage('TTS'),
      embeddings: { ...stage('EMBEDDINGS'), modelFolder: env.PARLEY_EMBEDDINGS_MODEL_FOLDER },
      llmFallbacks,
      sttFallbacks,
      ttsFallbacks,
      voice,
      review,
    },
    log,
  );
}

/** PARLEY_<STAGE>_FALLBACKS holds the same list as parley.<stage>.fallbacks, as JSON. */
function parseFallbacks(name: string, text: string | undefined, log?: Logger): unknown {
  if (!text) return [];
  try {
    return JSON.parse(text);
  } catch {
    log?.warn(`PARLEY_${name}_FALLBACKS is not JSON (a list of {"provider", "model", "baseUrl"}); using none`);
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
