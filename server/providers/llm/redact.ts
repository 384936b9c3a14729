/**
 * Every request to a language model passes here on its way out (LLM.open), so no path can carry
 * a key-shaped string to a model: the editor context, diagnostics, the repository map, tool
 * results, knowledge-base passages, review and fix prompts, and what the user typed or said.
 * The conversation's earlier messages are the same strings turn after turn, so their scans are
 * remembered.
 */
import { redactSecrets } from '../../secrets/redact';
import type { ChatMessage, ChatRequest } from './types';

const REMEMBERED = 512;
const remembered = new Map<string, string>();

async function redact(text: string): Promise<string> {
  const known = remembered.get(text);
  if (known !== undefined) return known;
  const masked = await redactSecrets(text);
  if (remembered.size >= REMEMBERED) remembered.delete(remembered.keys().next().value!);
  remembered.set(text, masked);
  return masked;
}

async function redactMessage(message: ChatMessage): Promise<ChatMessage> {
  if (message.role === 'tool') return { ...message, content: await redact(message.content) };
  return { ...message, text: await redact(message.text) };
}

export async function redactRequest(request: ChatRequest): Promise<ChatRequest> {
  return {
    ...request,
    system: await redact(request.system),
    ...(request.context === undefined ? {} : { context: await redact(request.context) }),
    messages: await Promise.all(request.messages.map(redactMessage)),
  };
}
