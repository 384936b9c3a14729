/**
 * Chat completions stream a tool call as fragments keyed by `index`: the first carries the id
 * and name, the rest pieces of the JSON arguments. This puts them back together. (The SDK's
 * `chat.completions.stream()` helper also assembles them, but it checks the fragments more
 * strictly than several OpenAI-compatible servers send them, and it parses only strict tools.)
 */
import { randomUUID } from 'node:crypto';
import type OpenAI from 'openai';
import { parseToolInput } from '../conversation';
import { badToolInput, truncatedToolCall, type Vendor } from '../errors';
import type { StopReason, ToolCall } from '../types';

type Fragment = OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall;

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
  announced: boolean;
}

export class ToolCallAssembler {
  readonly #calls = new Map<number, PendingCall>();

  get size(): number {
    return this.#calls.size;
  }

  /** Adds a fragment; returns the call's id and name when this fragment makes them known. */
  add(fragment: Fragment): { id: string; name: string } | undefined {
    let call = this.#calls.get(fragment.index);
    if (!call) {
      call = { id: '', name: '', arguments: '', announced: false };
      this.#calls.set(fragment.index, call);
    }
    // Some servers repeat the id and name on every fragment; the first ones count.
    call.id ||= fragment.id ?? '';
    call.name ||= fragment.function?.name ?? '';
    call.arguments += fragment.function?.arguments ?? '';
    if (call.announced || !call.name) return undefined;
    call.announced = true;
    // A server that sends no id still needs one, for the tool result to answer.
    call.id ||= `call_${randomUUID()}`;
    return { id: call.id, name: call.name };
  }

  /** The complete calls in index order; throws if one is unnamed or its arguments do not parse. */
  finish(vendor: Vendor, stopReason: StopReason, maxTokens: number): ToolCall[] {
    const ordered = [...this.#calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    return ordered.map((call, position) => {
      const input = call.name ? parseToolInput(call.arguments) : undefined;
      if (input) return { id: call.id, name: call.name, input };
      if (stopReason === 'maxTokens' && position === ordered.length - 1) throw truncatedToolCall(vendor, call.name || 'unnamed', maxTokens);
      throw badToolInput(vendor, call.name || 'unnamed');
    });
  }
}
