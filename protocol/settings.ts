/**
 * Parley's settings as the server sees them, declared once as a schema with their defaults. The
 * client alone reads the `parley.*` configuration (extension/config.ts); the server pulls this
 * shape per resource and parses it leniently (server/settings.ts); the command line builds it from
 * PARLEY_* environment variables (server/settings.ts, settingsFromEnv).
 * Adding a setting: package.json schema → a field here → the client's reader → the server's use;
 * test/unit/settings-schema.test.ts checks that package.json and this schema agree.
 *
 * Each field is the setting `parley.<path>`, its path joined with dots; `<stage>Fallbacks` is the
 * setting `parley.<stage>.fallbacks` (settingName). Values arrive as JSON from the client and as
 * text from the environment, so numbers, flags and pattern lists also accept their text.
 */
// zod's mini build: the extension bundles these schemas, and the mini build is a quarter of the full one there.
import * as z from 'zod/mini';
import { $ZodDefault, $ZodObject, $ZodPrefault, type $ZodType } from 'zod/v4/core';
import { ModelPriceSchema, SpeechPriceSchema } from './pricing';

export const LLM_PROVIDERS = ['anthropic', 'openai', 'openai-compatible'] as const;
export const STT_PROVIDERS = ['deepgram', 'openai', 'openai-compatible', 'whisper', 'offline'] as const;
export const TTS_PROVIDERS = ['deepgram', 'openai', 'system', 'none'] as const;
export const EMBEDDING_PROVIDERS = ['builtin', 'openai', 'openai-compatible', 'onnx'] as const;

export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type SttProvider = (typeof STT_PROVIDERS)[number];
export type TtsProvider = (typeof TTS_PROVIDERS)[number];
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

export const VOICE_MODES = ['handsFree', 'pushToTalk'] as const;
export const CAPTURE_PREFERENCES = ['auto', 'webview', 'native', 'browser'] as const;

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `is not one of ${values.join(', ')}` });
}

function numberFrom(min: number, max: number) {
  const error = `is not a number from ${min} to ${max}`;
  return z.coerce.number({ error }).check(z.minimum(min, { error }), z.maximum(max, { error }));
}

const flag = z.union([z.boolean(), z.stringbool()], { error: 'is not true or false' });
const text = z.string({ error: 'is not text' }).check(z.trim());
/** Gitignore-style patterns: a list, or one comma-separated text (the environment's form). */
const patterns = z.pipe(
  z.union(
    [
      z.pipe(
        z.string(),
        z.transform((list) => list.split(',')),
      ),
      z.array(z.string()),
    ],
    { error: 'is not a list of glob patterns' },
  ),
  z.transform((list: string[]) => list.map((item) => item.trim()).filter(Boolean)),
);

/** One pipeline stage's choice: which provider, which model, and where it lives. */
function stageSchema<const P extends readonly [string, ...string[]]>(providers: P, provider: P[number]) {
  return z.object({
    provider: z._default(oneOf(providers), provider),
    /** Empty means the provider's default model. */
    model: z._default(text, ''),
    /** Empty means the vendor's own endpoint; required for `openai-compatible`. */
    baseUrl: z._default(text, ''),
  });
}

/** A fallback entry names its provider; its model and base URL default as the stage's do. */
function fallbackSchema<const P extends readonly [string, ...string[]]>(providers: P) {
  return z.object({ ...stageSchema(providers, providers[0]).shape, provider: oneOf(providers) });
}

export const LlmStageSchema = stageSchema(LLM_PROVIDERS, 'anthropic');
/**
 * Speech to text, where `auto` (the default) follows the keys the user has: Deepgram with a
 * Deepgram key, OpenAI transcription with an OpenAI key, else the local neural recognizer once a
 * speech model is downloaded, else the offline recognizer (pocketsphinx).
 */
export const STT_CHOICES = [...STT_PROVIDERS, 'auto'] as const;
export const SttStageSchema = stageSchema(STT_CHOICES, 'auto');
export const TtsStageSchema = stageSchema(TTS_PROVIDERS, 'system');
export const EmbeddingsStageSchema = z.extend(stageSchema(EMBEDDING_PROVIDERS, 'builtin'), {
  /** The folder of a sentence-embedding model in ONNX (model.onnx, tokenizer.json), for provider `onnx`. */
  modelFolder: z._default(text, ''),
});

/** How Parley listens. */
export const VoiceSettingsSchema = z.object({
  /** Hands-free: turns end when the user stops talking. Push-to-talk: while the button is held. */
  mode: z._default(oneOf(VOICE_MODES), 'handsFree'),
  /** Where the microphone is recorded: auto (the webview where it can, else the server), or one of them. */
  capture: z._default(oneOf(CAPTURE_PREFERENCES), 'auto'),
  /** Speech probability (0–1) above which the VAD hears speech. */
  vadThreshold: z._default(numberFrom(0.05, 0.95), 0.5),
  /** Silence (ms) after which the VAD decides the user has stopped. */
  silenceMs: z._default(numberFrom(100, 5000), 550),
  /** Hands-free: extra silence (ms) before a turn ends when its words so far end mid-thought ("and then the…"); 0 is off. */
  endOfThoughtMs: z._default(numberFrom(0, 3000), 700),
  /** Hands-free: the silence (ms) that ends a turn whose words are a whole question, when shorter than silenceMs; 0 is off. */
  questionSilenceMs: z._default(numberFrom(0, 3000), 300),
  /**
   * Start the answer when the recognizer says the turn is probably over (Deepgram Flux's
   * EagerEndOfTurn), holding it back until the turn is confirmed and dropping it if the user goes on.
   */
  eagerEndOfTurn: z._default(flag, false),
});

/** Where Parley: Download Speech Model fetches the local recognizer's models. */
export const SpeechModelsSettingsSchema = z.object({
  /** The address the model files are under; empty: Hugging Face (ggerganov/whisper.cpp). Checksums are checked whatever it is. */
  source: z._default(text, ''),
});

/** The team hub the user connected to (Parley: Connect to Team Hub); its token is in SecretStorage. */
export const HubSettingsSchema = z.object({
  /** The hub's address (`parley hub`); empty: no team hub. */
  url: z._default(text, ''),
});

/** What Parley: Review Repository reads. */
export const ReviewSettingsSchema = z.object({
  /** Gitignore-style patterns of files the review (and the repo map) leaves out. */
  exclude: z._default(patterns, []),
});

/** The limits of what the assistant runs (commands, REPL cells): each run, on its whole process tree. */
export const HandsSettingsSchema = z.object({
  /** Wall time of one command or cell, in milliseconds. */
  timeoutMs: z._default(numberFrom(1000, 3_600_000), 10_000),
  /** Memory of one run's whole process tree, in megabytes. */
  memoryMb: z._default(numberFrom(50, 65_536), 500),
  /** The Python program REPL cells run in. */
  python: z._default(text, 'python3'),
});

/** What Parley notices in the editor (extension/failures.ts); the extension reads these itself. */
export const FailuresSettingsSchema = z.object({
  /** Offer to ask about a failed task or terminal command, or new errors after a save. */
  offer: z._default(flag, true),
});

export const KB_MODEL_HELP = ['off', 'rerank', 'rewriteAndRerank'] as const;
export type KbModelHelp = (typeof KB_MODEL_HELP)[number];

/** The knowledge-base sidebar's use of the language model (server/knowledge/modelHelp.ts). */
export const KnowledgeSettingsSchema = z.object({
  /**
   * Off by default: a search as you type never asks the model. When on, the sidebar offers "Ask
   * the model" (Shift+Enter), which ranks the best passages again, after writing the question in
   * the notes' likely words too when rewriting is on. Each costs one or two requests, shown.
   */
  modelHelp: z._default(oneOf(KB_MODEL_HELP), 'off'),
  /** How many of the best passages the model reads and ranks. */
  modelPassages: z._default(numberFrom(5, 40), 20),
});

/** A session's time limit in minutes, 0 for none; a session keeps the limit it started with. */
const minutes = z._default(numberFrom(0, 1440), 0);

/** Each session type's time limit (protocol/session.ts SESSION_TYPES, in camel case), and what a session may cost. */
export const SessionsSettingsSchema = z.object({
  timeLimitMinutes: z.prefault(z.object({ debugging: minutes, repoReview: minutes, coding: minutes, logAnalysis: minutes }), {}),
  /** USD a session may cost before Parley warns (at 80% and once it is passed); 0: no budget. */
  budgetUsd: z._default(numberFrom(0, 10_000), 0),
});

export const ParleySettingsSchema = z.object({
  llm: z.prefault(LlmStageSchema, {}),
  stt: z.prefault(SttStageSchema, {}),
  tts: z.prefault(TtsStageSchema, {}),
  embeddings: z.prefault(EmbeddingsStageSchema, {}),
  /**
   * Language models to try, in order, when the configured one fails with an error worth a retry
   * elsewhere (down, rate-limited, timing out): a local server behind a cloud model, say.
   */
  llmFallbacks: z._default(z.array(fallbackSchema(LLM_PROVIDERS), { error: 'is not a list of models' }), []),
  /** Speech recognizers to try, in order, when the configured one cannot be reached as a turn opens. */
  sttFallbacks: z._default(z.array(fallbackSchema(STT_PROVIDERS), { error: 'is not a list of recognizers' }), []),
  /** Voices to try, in order, when the configured one fails before it has said anything. */
  ttsFallbacks: z._default(z.array(fallbackSchema(TTS_PROVIDERS), { error: 'is not a list of voices' }), []),
  voice: z.prefault(VoiceSettingsSchema, {}),
  speechModels: z.prefault(SpeechModelsSettingsSchema, {}),
  hub: z.prefault(HubSettingsSchema, {}),
  review: z.prefault(ReviewSettingsSchema, {}),
  hands: z.prefault(HandsSettingsSchema, {}),
  failures: z.prefault(FailuresSettingsSchema, {}),
  sessions: z.prefault(SessionsSettingsSchema, {}),
  knowledgeBase: z.prefault(KnowledgeSettingsSchema, {}),
  /**
   * Prices of the user's own, by model id or id prefix (protocol/pricing.ts), over Parley's
   * defaults: a model of theirs, or a price that changed.
   */
  pricing: z._default(z.record(z.string(), ModelPriceSchema, { error: 'is not a table of model prices' }), {}),
  /** Recognizer and voice prices of the user's own, keyed `provider:model` or a prefix (protocol/pricing.ts), over Parley's defaults. */
  speechPricing: z._default(z.record(z.string(), SpeechPriceSchema, { error: 'is not a table of speech prices' }), {}),
});

export type ParleySettings = z.output<typeof ParleySettingsSchema>;
export type VoiceSettings = ParleySettings['voice'];
export type ReviewSettings = ParleySettings['review'];
export type HandsSettings = ParleySettings['hands'];

/** One pipeline stage's choice: which provider, which model, and where it lives. */
export type StageSettings<P extends string> = Omit<ParleySettings['llm'], 'provider'> & { provider: P };

export interface StageSettingsMap {
  llm: ParleySettings['llm'];
  stt: ParleySettings['stt'];
  tts: ParleySettings['tts'];
  embeddings: ParleySettings['embeddings'];
}

export type Stage = keyof StageSettingsMap;
export const STAGES = ['llm', 'stt', 'tts', 'embeddings'] as const satisfies readonly Stage[];

type Schema = $ZodType;

/** A schema seen through the default that fills it in when the setting is absent. */
export function withoutDefault(schema: Schema): Schema {
  return schema instanceof $ZodDefault || schema instanceof $ZodPrefault ? schema._zod.def.innerType : schema;
}

/** An object schema's fields, through its default. */
export function objectShape(schema: Schema): Readonly<Record<string, Schema>> | undefined {
  const inner = withoutDefault(schema);
  return inner instanceof $ZodObject ? inner._zod.def.shape : undefined;
}

/** One `parley.*` setting: where it sits in ParleySettings, its name, and its schema. */
export interface SettingField {
  path: readonly string[];
  name: string;
  schema: Schema;
}

function fieldsOf(schema: Schema, path: readonly string[]): SettingField[] {
  const shape = objectShape(schema);
  if (!shape) return [{ path, name: settingName(path), schema }];
  return Object.entries(shape).flatMap(([key, field]) => fieldsOf(field, [...path, key]));
}

/** Every setting, in the order of the schema: what the client reads and package.json declares. */
export const SETTING_FIELDS: readonly SettingField[] = fieldsOf(ParleySettingsSchema, []);

/** The setting a field of ParleySettings is, without `parley.`: `voice.mode`, `llm.fallbacks`. */
export function settingName(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${part.replace(/^(\w+)Fallbacks$/, '$1.fallbacks')}`)).join('');
}

export const DEFAULT_SETTINGS: ParleySettings = ParleySettingsSchema.parse({});

/** The provider names each stage accepts. */
export const PROVIDERS_BY_STAGE: { readonly [S in Stage]: readonly ParleySettings[S]['provider'][] } = {
  llm: LLM_PROVIDERS,
  stt: STT_PROVIDERS,
  tts: TTS_PROVIDERS,
  embeddings: EMBEDDING_PROVIDERS,
};

/** Vendors whose keys Parley keeps in SecretStorage, with the environment variable each one uses. */
export const KEY_VENDORS = {
  anthropic: { label: 'Anthropic', envVar: 'ANTHROPIC_API_KEY' },
  openai: { label: 'OpenAI (or an OpenAI-compatible server)', envVar: 'OPENAI_API_KEY' },
  deepgram: { label: 'Deepgram', envVar: 'DEEPGRAM_API_KEY' },
  /** Not a provider's: the user's token for the team hub (Parley: Connect to Team Hub). */
  hub: { label: 'Parley team hub (token)', envVar: 'PARLEY_HUB_TOKEN' },
} as const;

export type KeyVendor = keyof typeof KEY_VENDORS;
export const KEY_VENDOR_IDS = Object.keys(KEY_VENDORS) as KeyVendor[];
