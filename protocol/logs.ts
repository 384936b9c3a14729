/**
 * A Claude Code session as Parley analyses it: what `parley logs analyze --json` prints and what
 * the log-analysis panel and session are given. Token fields keep the Anthropic API's names.
 */

/** A transcript's size as the picker, the progress and the command line show it: "38 kB", "212.4 MB". */
export function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A Claude Code session found on this machine, as the picker lists it. */
export interface ClaudeSessionEntry {
  file: string;
  id: string;
  /** The working directory the session ran in, else the project folder's name. */
  project: string;
  /** The file's last change (ISO): when the session was last active. */
  modifiedAt: string;
  startedAt?: string;
  firstPrompt?: string;
  bytes: number;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  /** All prompt-cache writes: the 5-minute and one-hour ones below together. */
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_5m_input_tokens: number;
  cache_creation_1h_input_tokens: number;
}

export interface ClaudeSessionInfo {
  /** The `sessionId` the records carry, else the file's name. */
  id: string;
  file: string;
  /** The working directory Claude Code ran in. */
  cwd?: string;
  gitBranch?: string;
  /** Claude Code's version, as the last record wrote it. */
  version?: string;
  /** ISO times of the first and last timestamped record. */
  startedAt?: string;
  endedAt?: string;
  durationMs: number;
  firstPrompt?: string;
  /** Claude Code's own summaries of the conversation, newest last. */
  summaries: string[];
}

export interface ModelUsage {
  model: string;
  /** API responses (each counted once, however many records it was written as). */
  messages: number;
  usage: TokenUsage;
  /** Absent when the price table has no entry for the model. */
  costUsd?: number;
}

export interface ToolStats {
  calls: number;
  errors: number;
}

export interface LogError {
  /** 1-based line in its file. */
  line: number;
  file: string;
  at?: string;
  kind: 'tool' | 'api' | 'system';
  tool?: string;
  message: string;
}

/** The same tool call (tool and input alike) failing more than once. */
export interface RepeatedFailure {
  tool: string;
  /** The input, shortened. */
  input: string;
  failures: number;
  firstAt?: string;
  lastAt?: string;
}

export interface FileTouched {
  path: string;
  reads: number;
  edits: number;
}

/** One interval of the session; the buckets are of equal length and cover it end to end. */
export interface TimelineBucket {
  start: string;
  prompts: number;
  toolCalls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

export interface PromptGap {
  /** ISO times of the prompt and of the next one. */
  from: string;
  to: string;
  ms: number;
  /** The prompt the gap followed, shortened. */
  prompt: string;
}

export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

export interface SubagentLog {
  file: string;
  agentId?: string;
  records: number;
  messages: number;
  usage: TokenUsage;
}

export interface ClaudeSessionAnalysis {
  session: ClaudeSessionInfo;
  /** User and assistant messages; an API response written as several records is one message. */
  messages: number;
  prompts: number;
  /** Records by their `type`, unknown future types included. */
  records: Record<string, number>;
  /** Records of the conversation's side branches (sub-agents written into the session itself). */
  sidechainRecords: number;
  usage: TokenUsage;
  /** Absent when no model of the session has a price. */
  costUsd?: number;
  models: ModelUsage[];
  /** Models with usage but no price: their cost is not in `costUsd`. */
  unpricedModels: string[];
  pricesTakenOn?: string;
  tools: Record<string, ToolStats>;
  /** The first errors, in order; `errorCount` counts them all. */
  errors: LogError[];
  errorCount: number;
  repeatedFailures: RepeatedFailure[];
  /** Most touched first. */
  files: FileTouched[];
  timeline: TimelineBucket[];
  bucketMs: number;
  promptGaps: { medianMs?: number; longest: PromptGap[] };
  subagents: SubagentLog[];
  /** Lines that are not a record: not JSON, not an object, no `type`, too long. */
  skippedLines: number;
  skipped: SkippedLine[];
  /** The last line ended without a newline and did not parse: the file is probably still being written. */
  truncatedTail: boolean;
  bytes: number;
}

/**
 * One row of a transcript's table for the REPL (a row per content block), the same columns in
 * every row; null where a row has no such thing. Tokens count once per API response.
 */
export interface TranscriptRow {
  /** "session", or the sub-agent's transcript ("agent-<id>"). */
  source: string;
  /** 1-based line in its file. */
  line: number;
  /** The record's type: user, assistant, system, summary, and any other. */
  type: string;
  /** ISO time. */
  at: string | null;
  sidechain: boolean;
  role: string | null;
  model: string | null;
  /** The content block's type: text, tool_use, tool_result, thinking, image…; null for a record without content. */
  block: string | null;
  /** The tool called, or for a result the tool whose call it answers. */
  tool: string | null;
  tool_use_id: string | null;
  is_error: boolean;
  /** The text, result or tool input, on one line and shortened. */
  text: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}
