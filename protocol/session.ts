/**
 * The conversation as Parley stores, shows and exports it, declared as schemas: the panel parses
 * the turns the server sends with them (protocol/serverFrames.ts), and the types are derived.
 */
// The mini build: the webviews bundle these schemas.
import * as z from 'zod/mini';

const ms = z.optional(z.number());

/** Per-turn latencies, in milliseconds; absent when the turn had no such stage (typed input has no STT). */
export const TurnMetricsSchema = z.object({
  /** End of the user's speech → final transcript. */
  endOfSpeechToFinalMs: ms,
  /** Request sent → first LLM token. */
  llmTtftMs: ms,
  /** First clause sent to TTS → first audio byte. */
  ttsTtfbMs: ms,
  /** End of the user's speech → first assistant audio out. */
  voiceToVoiceMs: ms,
  /** Speech onset during playback → playback stopped. */
  bargeInStopMs: ms,
});
export type TurnMetrics = z.output<typeof TurnMetricsSchema>;

/** What an answer's model calls used, summed over its rounds, and what that cost. */
export const TurnUsageSchema = z.object({
  /** The provider and model that answered (after a fallback, not necessarily the configured ones). */
  provider: z.string(),
  model: z.string(),
  /** All input tokens, cached ones included. */
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  /** USD at Parley's price table; 0 for a local server; absent when the model has no price. */
  costUsd: z.optional(z.number()),
});
export type TurnUsage = z.output<typeof TurnUsageSchema>;

/**
 * What a spoken turn's recognizer was sent (a user's turn) or a spoken answer's voice was given
 * and made (an answer), and what that cost.
 */
export const SpeechUsageSchema = z.object({
  provider: z.string(),
  model: z.string(),
  /** Audio sent to the recognizer, or made by the voice, in seconds. */
  audioSeconds: z.number(),
  /** Characters of text the voice was given; absent for a recognizer. */
  characters: z.optional(z.number()),
  /** USD at Parley's price table; 0 for a local recognizer or voice; absent when it has no price. */
  costUsd: z.optional(z.number()),
});
export type SpeechUsage = z.output<typeof SpeechUsageSchema>;

/** The tokens an answer's searches of the knowledge base had an embedding provider read, and what that cost. */
export const EmbeddingUsageSchema = z.object({
  provider: z.string(),
  model: z.string(),
  tokens: z.number(),
  costUsd: z.optional(z.number()),
});
export type EmbeddingUsage = z.output<typeof EmbeddingUsageSchema>;

export const CitationSchema = z.object({
  label: z.string(),
  path: z.string(),
  /** 0-based line of the cited heading. */
  line: z.number(),
});
export type Citation = z.output<typeof CitationSchema>;

export const ToolCallRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
  /** What the tool returned, as shown to the model; absent while it runs. */
  result: z.optional(z.string()),
  isError: z.optional(z.boolean()),
  /** Notes the result cites, which the panel offers to open. */
  citations: z.optional(z.array(CitationSchema)),
});
export type ToolCallRecord = z.output<typeof ToolCallRecordSchema>;

export const TURN_ROLES = ['user', 'assistant'] as const;
export type TurnRole = (typeof TURN_ROLES)[number];

export const TurnSchema = z.object({
  role: z.enum(TURN_ROLES),
  text: z.string(),
  /** The assistant was cut off by the user; `text` holds only what was actually spoken. */
  interrupted: z.boolean(),
  /** How the user's turn came in. */
  source: z.optional(z.enum(['voice', 'typed'])),
  toolCalls: z.array(ToolCallRecordSchema),
  metrics: z.optional(TurnMetricsSchema),
  usage: z.optional(TurnUsageSchema),
  /** A spoken user turn: its recognizer's audio. */
  stt: z.optional(SpeechUsageSchema),
  /** A spoken answer: its voice's text and audio. */
  tts: z.optional(SpeechUsageSchema),
  embeddings: z.optional(EmbeddingUsageSchema),
  createdAt: z.number(),
});
export type Turn = z.output<typeof TurnSchema>;

export const StoredTurnSchema = z.object({ ...TurnSchema.shape, id: z.number(), sessionId: z.string() });
export type StoredTurn = z.output<typeof StoredTurnSchema>;

/** What a session is for: it chooses the instructions the model gets and what context comes first. */
export const SESSION_TYPES = ['debugging', 'repo-review', 'coding', 'log-analysis'] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

export const SESSION_TYPE_LABELS: Record<SessionType, string> = {
  debugging: 'Debugging',
  'repo-review': 'Repo Review',
  coding: 'Collaborative Coding',
  'log-analysis': 'Log Analysis',
};

/** Each type's key in the `parley.sessions.*` settings. */
export const SESSION_SETTING_KEYS = {
  debugging: 'debugging',
  'repo-review': 'repoReview',
  coding: 'coding',
  'log-analysis': 'logAnalysis',
} as const satisfies Record<SessionType, string>;

/** The session a panel shows. */
export const SessionHeadSchema = z.object({
  id: z.string(),
  type: z.enum(SESSION_TYPES),
  startedAt: z.number(),
  /** A Log Analysis session's transcript as a table (JSON Lines, a row per content block) and the Python cell that loads it in the REPL. */
  records: z.optional(z.object({ file: z.string(), code: z.string() })),
});
export type SessionHead = z.output<typeof SessionHeadSchema>;

/** A past session as the list shows it. */
export interface SessionSummary {
  id: string;
  type: SessionType;
  startedAt: number;
  /** The last turn's time; the start when there is none. */
  endedAt: number;
  turns: number;
  executions: number;
  /** The first thing the user said, shortened; absent before they said anything. */
  title?: string;
  /** USD of the answers that have a price; absent when none has. */
  costUsd?: number;
}

/** A place in past sessions that matches a search. */
export interface SessionHit {
  sessionId: string;
  kind: 'turn' | 'execution';
  /** The turn's or the execution's row id. */
  id: number;
  role?: 'user' | 'assistant';
  /** The matching words in their context, each between « and ». */
  snippet: string;
  createdAt: number;
}

/** How a past session is exported: Markdown to read, or JSON that `parley sessions import` reads back. */
export const SESSION_EXPORT_FORMATS = ['md', 'json'] as const;
export type SessionExportFormat = (typeof SESSION_EXPORT_FORMATS)[number];

/** Where a session's cost stands against its budget (parley.sessions.budgetUsd): Parley warns from 80%. */
export const BUDGET_WARNING_SHARE = 0.8;

export type BudgetLevel = 'under' | 'near' | 'over';

/** Costs are sums of small fractions: a millionth of a cent either way is the same amount. */
const SAME_USD = 1e-12;

/** Dollars as a session's cost and budget are shown: four decimals under a dollar, two above. */
export function usdText(amount: number): string {
  return `$${amount.toFixed(amount < 1 ? 4 : 2)}`;
}

export function budgetLevel(costUsd: number, budgetUsd: number): BudgetLevel {
  if (costUsd > budgetUsd + SAME_USD) return 'over';
  return costUsd >= budgetUsd * BUDGET_WARNING_SHARE - SAME_USD ? 'near' : 'under';
}
