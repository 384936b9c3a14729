/** How Parley's conversation reads to a model, whatever the vendor's message format. */
import type { AssistantMessage, ChatMessage, JsonObject } from './types';

/**
 * The assistant's text as it goes back into the history. An interrupted answer holds only what
 * the user heard; the note keeps the model from building on the part they never heard.
 */
export function assistantText(message: AssistantMessage): string {
  if (!message.interrupted) return message.text;
  const heard = message.text.trim();
  return heard
    ? `${heard}… [interrupted: the user spoke over this answer and heard only this much]`
    : '[interrupted: the user spoke before hearing any of this answer]';
}

/** The newest user message: the turn being answered, which carries the per-turn context. */
export function newestUserIndex(messages: readonly ChatMessage[]): number {
  return messages.findLastIndex((message) => message.role === 'user');
}

/** A tool input as parsed from the vendor's JSON, or undefined when it is not a JSON object. */
export function parseToolInput(json: string): JsonObject | undefined {
  // Some OpenAI-compatible servers send an empty string for a call without arguments.
  if (json.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
