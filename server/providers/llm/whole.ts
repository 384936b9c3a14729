/**
 * Parley's own questions to the model (a module review, ranking notes for the sidebar): one
 * request, the whole answer as text, and a JSON answer checked before anything of it is believed.
 * An answer that was cut off, declined or broken off is an error, never a short answer.
 */
import type { ChatRequest, LlmChat, UsageEvent } from './types';

export interface WholeAnswer {
  text: string;
  /** Who answered (after a fallback, not necessarily the configured provider). */
  provider: string;
  model: string;
  /** What the answer used, when the provider said. */
  usage?: Omit<UsageEvent, 'type' | 'createdAt'>;
  durationMs: number;
}

/** The model's answer did not have the asked shape; the message says how, in one line. */
export class AnswerError extends Error {
  override name = 'AnswerError';
}

export async function wholeAnswer(chat: LlmChat, request: ChatRequest & { maxTokens: number }, signal?: AbortSignal): Promise<WholeAnswer> {
  let text = '';
  let usage: WholeAnswer['usage'];
  for await (const event of chat.chat(request, signal)) {
    if (event.type === 'text') text += event.text;
    else if (event.type === 'usage') {
      const { type: _type, createdAt: _at, ...counts } = event;
      usage = counts;
    } else if (event.type === 'done') {
      if (event.stopReason === 'maxTokens') throw new Error(`the answer was cut off at ${request.maxTokens} tokens`);
      if (event.stopReason === 'refusal') throw new Error('the model declined to answer');
      return { text, provider: event.provider, model: event.model, ...(usage ? { usage } : {}), durationMs: event.durationMs };
    }
  }
  signal?.throwIfAborted();
  throw new Error('the answer ended before it was complete');
}

/** The JSON of an answer: the whole answer, or the inside of one ```json fence around all of it. Throws AnswerError. */
export function jsonAnswer(answer: string): unknown {
  const trimmed = answer.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*)\n```$/.exec(trimmed);
  try {
    return JSON.parse(fenced ? fenced[1]! : trimmed);
  } catch (error) {
    const preview = trimmed.slice(0, 60).replace(/\s+/g, ' ');
    throw new AnswerError(`the answer is not JSON (${(error as Error).message}); it began "${preview}${trimmed.length > 60 ? '…' : ''}"`);
  }
}
