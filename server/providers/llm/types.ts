/**
 * The LLM stage's vocabulary, shared by every provider: what Parley asks (a conversation with
 * tools) and what comes back (a stream of typed events). Vendor shapes stay inside the provider
 * folders; the rest of Parley sees only these.
 */

/** A JSON object; tool inputs are always objects, as both vendors require. */
export type JsonObject = Record<string, unknown>;

/** A JSON Schema describing a tool's input; the top level must be an object schema. */
export interface ToolInputSchema {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [keyword: string]: unknown;
}

/** A tool the model may call. The name is what the model writes; the description is how it decides. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: ToolInputSchema;
}

/** A call the model made, with its input parsed from the vendor's JSON. */
export interface ToolCall {
  /** The vendor's id (`toolu_…`, `call_…`); a tool result answers it by this id. */
  id: string;
  name: string;
  input: JsonObject;
}

export interface UserMessage {
  role: 'user';
  text: string;
}

export interface AssistantMessage {
  role: 'assistant';
  /** For an interrupted answer, only what the user actually heard. */
  text: string;
  toolCalls?: readonly ToolCall[];
  /**
   * The user spoke over this answer (barge-in). Providers tell the model so, since otherwise it
   * would assume the user heard the rest of what it had planned to say.
   */
  interrupted?: boolean;
}

/** What a tool returned, sent back to the model in the turn after its call. */
export interface ToolResultMessage {
  role: 'tool';
  toolCallId: string;
  /** The result as text the model reads (JSON, a file excerpt, a message). */
  content: string;
  /** The tool failed; `content` says why. */
  isError?: boolean;
}

export type ChatMessage = UserMessage | AssistantMessage | ToolResultMessage;

/** One request to the model. The model itself comes from the provider's configuration. */
export interface ChatRequest {
  /**
   * Stable instructions (persona, rules, tool guidance). Providers with prompt caching mark it
   * cacheable, so keep per-turn data out of it or every turn pays for it again.
   */
  system: string;
  /**
   * Per-turn context (editor state, diagnostics, open files). Sent with the newest user message,
   * before its text, so that the system prompt and the earlier conversation stay a stable prefix
   * that vendors cache and local servers keep in their KV cache. Frame it (a heading or tags) so
   * the model can tell it from what the user said.
   */
  context?: string;
  messages: readonly ChatMessage[];
  tools?: readonly ToolDefinition[];
  /** Cap on the answer's length in tokens; default DEFAULT_MAX_TOKENS. */
  maxTokens?: number;
}

/**
 * Room for a spoken answer plus a code block or a tool call proposing an edit. Brevity comes
 * from the system prompt, not from this cap: a cap that bites cuts the answer mid-sentence.
 */
export const DEFAULT_MAX_TOKENS = 1024;

/** Why the model stopped, across vendors. */
export type StopReason =
  /** It finished its answer (Anthropic `end_turn`/`stop_sequence`, OpenAI `stop`). */
  | 'end'
  /** It wants its tool calls run and the results sent back. */
  | 'toolUse'
  /** It reached `maxTokens`; the text is cut short. */
  | 'maxTokens'
  /** It declined, or the vendor's content filter stopped it. */
  | 'refusal'
  | 'other';

export interface TextEvent {
  type: 'text';
  /** The new text since the previous text event. */
  text: string;
  createdAt: number;
}

/** The model began a tool call; its input is still streaming. Lets the panel show the tool early. */
export interface ToolCallStartEvent {
  type: 'toolCallStart';
  id: string;
  name: string;
  createdAt: number;
}

/** A tool call whose input has arrived in full and parsed as a JSON object. */
export interface ToolCallEvent extends ToolCall {
  type: 'toolCall';
  createdAt: number;
}

export interface UsageEvent {
  type: 'usage';
  /** All input tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the vendor's prompt cache. */
  cacheReadTokens: number;
  /** Input tokens written to the prompt cache (Anthropic bills these separately). */
  cacheWriteTokens: number;
  createdAt: number;
}

/** The answer is complete. Always the last event of a stream that was not aborted. */
export interface DoneEvent {
  type: 'done';
  stopReason: StopReason;
  /** Which provider answered (after a fallback, not necessarily the configured one). */
  provider: string;
  model: string;
  /** From the request to the first text or tool call, retries included: what the user waits. */
  ttftMs: number;
  /** From the request to the end of the answer. */
  durationMs: number;
  createdAt: number;
}

/**
 * What `chat` yields. Failures are not events: the iteration throws a ProviderError, so an answer
 * that broke off can never be mistaken for a complete one (a complete one ends with `done`).
 * An aborted answer (barge-in) just ends, without `done`.
 */
export type LlmEvent = TextEvent | ToolCallStartEvent | ToolCallEvent | UsageEvent | DoneEvent;

/** Anything that answers a request: one provider (LLM) or the stage with its fallbacks (LlmStage). */
export interface LlmChat {
  chat(request: ChatRequest, signal?: AbortSignal): AsyncIterable<LlmEvent>;
}

type WithoutCreatedAt<E> = E extends unknown ? Omit<E, 'createdAt'> : never;
export type LlmEventInit = WithoutCreatedAt<LlmEvent>;

/** Creates an event stamped with the wall-clock time in milliseconds. */
export function llmEvent<E extends LlmEventInit>(init: E): E & { createdAt: number } {
  return { ...init, createdAt: Date.now() };
}

/**
 * What a provider's stream hook yields: the events it can know about, and a `stop` with the
 * vendor's stop reason, from which the base class makes `done` with the timings.
 */
export type ProviderChunk = WithoutCreatedAt<TextEvent | ToolCallStartEvent | ToolCallEvent | UsageEvent> | { type: 'stop'; stopReason: StopReason };
