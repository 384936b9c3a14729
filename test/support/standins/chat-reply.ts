import { randomBytes } from 'node:crypto';
import type { RecordedRequest } from './exchange';
import type { ScriptEntry } from './script';

/** A tool call the scripted model makes; `input` is sent as the vendor's JSON arguments. */
export interface ScriptedToolCall {
  name: string;
  input: unknown;
  /** Default: a fresh vendor-shaped id (`call_…`, `toolu_…`). */
  id?: string;
}

/**
 * One scripted assistant turn, shared by the OpenAI and Anthropic stand-ins so a test can run
 * the same script against either: text first, then tool calls.
 */
export interface ChatReply {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** The vendor's stop / finish reason; default `tool_calls`/`tool_use` with tool calls, else `stop`/`end_turn`. */
  stopReason?: string;
  /** Default: estimated from the request and reply sizes (about four characters a token). */
  usage?: { inputTokens?: number; outputTokens?: number };
}

export type ChatScriptEntry = ScriptEntry<ChatReply, RecordedRequest>;

export const DEFAULT_CHAT_REPLY: ChatReply = { text: 'OK.' };

/** Splits text the way streamed tokens arrive: each word with the whitespace before it. */
export function textTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Splits serialized tool arguments into small pieces, so clients must really assemble them. */
export function jsonFragments(json: string, size = 7): string[] {
  const fragments: string[] = [];
  for (let i = 0; i < json.length; i += size) fragments.push(json.slice(i, i + size));
  return fragments;
}

/** A rough token count (about four characters a token); enough for usage fields in tests. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}

export function replyUsage(reply: ChatReply, requestBody: unknown): { input: number; output: number } {
  const output = estimateTokens((reply.text ?? '') + JSON.stringify(reply.toolCalls ?? []));
  return {
    input: reply.usage?.inputTokens ?? estimateTokens(requestBody),
    output: reply.usage?.outputTokens ?? output,
  };
}

/** A random id with the vendor's prefix, e.g. `vendorId('toolu_')`. */
export function vendorId(prefix: string, bytes = 12): string {
  return prefix + randomBytes(bytes).toString('base64url');
}
