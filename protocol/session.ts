/** The conversation as Parley stores, shows and exports it. */

/** Per-turn latencies, in milliseconds; absent when the turn had no such stage (typed input has no STT). */
export interface TurnMetrics {
  /** End of the user's speech → final transcript. */
  endOfSpeechToFinalMs?: number;
  /** Request sent → first LLM token. */
  llmTtftMs?: number;
  /** First clause sent to TTS → first audio byte. */
  ttsTtfbMs?: number;
  /** End of the user's speech → first assistant audio out. */
  voiceToVoiceMs?: number;
  /** Speech onset during playback → playback stopped. */
  bargeInStopMs?: number;
}

export interface ToolCallRecord {
  id: string;
  name: string;
  input: unknown;
  /** What the tool returned, as shown to the model; absent while it runs. */
  result?: string;
  isError?: boolean;
  /** Notes the result cites, which the panel offers to open. */
  citations?: Citation[];
}

export interface Citation {
  label: string;
  path: string;
  /** 0-based line of the cited heading. */
  line: number;
}

export type TurnRole = 'user' | 'assistant';

export interface Turn {
  role: TurnRole;
  text: string;
  /** The assistant was cut off by the user; `text` holds only what was actually spoken. */
  interrupted: boolean;
  /** How the user's turn came in. */
  source?: 'voice' | 'typed';
  toolCalls: ToolCallRecord[];
  metrics?: TurnMetrics;
  createdAt: number;
}

export interface StoredTurn extends Turn {
  id: number;
  sessionId: string;
}
