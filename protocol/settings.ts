/**
 * Parley's settings as the server sees them. The client alone reads the `parley.*` configuration
 * (extension/config.ts); the server pulls this shape per resource (server/settings.ts); the
 * command line builds it from PARLEY_* environment variables (server/settings.ts, settingsFromEnv).
 * Adding a setting: package.json schema → this type → the client's reader → the server's use.
 */

export const LLM_PROVIDERS = ['anthropic', 'openai', 'openai-compatible'] as const;
export const STT_PROVIDERS = ['deepgram', 'openai', 'openai-compatible', 'offline'] as const;
export const TTS_PROVIDERS = ['deepgram', 'openai', 'system', 'none'] as const;
export const EMBEDDING_PROVIDERS = ['builtin', 'openai', 'openai-compatible'] as const;

export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type SttProvider = (typeof STT_PROVIDERS)[number];
export type TtsProvider = (typeof TTS_PROVIDERS)[number];
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

/** One pipeline stage's choice: which provider, which model, and where it lives. */
export interface StageSettings<P extends string> {
  provider: P;
  /** Empty means the provider's default model. */
  model: string;
  /** Empty means the vendor's own endpoint; required for `openai-compatible`. */
  baseUrl: string;
}

export interface StageSettingsMap {
  llm: StageSettings<LlmProvider>;
  stt: StageSettings<SttProvider>;
  tts: StageSettings<TtsProvider>;
  embeddings: StageSettings<EmbeddingProvider>;
}

export const VOICE_MODES = ['handsFree', 'pushToTalk'] as const;
export const CAPTURE_PREFERENCES = ['auto', 'webview', 'native', 'browser'] as const;

/** How Parley listens. */
export interface VoiceSettings {
  /** Hands-free: turns end when the user stops talking. Push-to-talk: while the button is held. */
  mode: (typeof VOICE_MODES)[number];
  /** Where the microphone is recorded: auto (the webview where it can, else the server), or one of them. */
  capture: (typeof CAPTURE_PREFERENCES)[number];
  /** Speech probability (0–1) above which the VAD hears speech. */
  vadThreshold: number;
  /** Silence (ms) after which the VAD decides the user has stopped. */
  silenceMs: number;
  /**
   * Start the answer when the recognizer says the turn is probably over (Deepgram Flux's
   * EagerEndOfTurn), holding it back until the turn is confirmed and dropping it if the user goes on.
   */
  eagerEndOfTurn: boolean;
}

/** What Parley: Review Repository reads. */
export interface ReviewSettings {
  /** Gitignore-style patterns of files the review (and the repo map) leaves out. */
  exclude: string[];
}

export interface ParleySettings extends StageSettingsMap {
  /**
   * Language models to try, in order, when the configured one fails with an error worth a retry
   * elsewhere (down, rate-limited, timing out): a local server behind a cloud model, say.
   */
  llmFallbacks: StageSettings<LlmProvider>[];
  voice: VoiceSettings;
  review: ReviewSettings;
}

export type Stage = keyof StageSettingsMap;
export const STAGES: readonly Stage[] = ['llm', 'stt', 'tts', 'embeddings'];

export const DEFAULT_SETTINGS: ParleySettings = {
  llm: { provider: 'anthropic', model: '', baseUrl: '' },
  stt: { provider: 'offline', model: '', baseUrl: '' },
  tts: { provider: 'system', model: '', baseUrl: '' },
  embeddings: { provider: 'builtin', model: '', baseUrl: '' },
  llmFallbacks: [],
  voice: { mode: 'handsFree', capture: 'auto', vadThreshold: 0.5, silenceMs: 550, eagerEndOfTurn: false },
  review: { exclude: [] },
};

/** The provider names each stage accepts, for validation wherever settings enter Parley. */
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
} as const;

export type KeyVendor = keyof typeof KEY_VENDORS;
export const KEY_VENDOR_IDS = Object.keys(KEY_VENDORS) as KeyVendor[];
