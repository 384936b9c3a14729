/**
 * A ChatRequest as chat completions parameters. OpenAI caches prompt prefixes by itself, and
 * local servers (llama.cpp, Ollama) reuse the KV cache of the prefix a request shares with the
 * previous one, so the order is: the stable system prompt, the conversation, and only then the
 * per-turn context, with the newest user message. A local model then reprocesses the last
 * exchange and the new turn rather than the whole conversation, which is most of its time to
 * first token.
 */
import type OpenAI from 'openai';
import { assistantText, newestUserIndex } from '../conversation';
import { DEFAULT_MAX_TOKENS, type AssistantMessage, type ChatMessage, type ChatRequest, type ToolDefinition } from '../types';

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** What differs between OpenAI and the servers that copy its API. */
export interface ChatDialect {
  /** OpenAI sends usage in a final chunk only when asked; older compatible servers refuse the option. */
  streamUsage: boolean;
  /** OpenAI replaced `max_tokens` by `max_completion_tokens`; compatible servers mostly know the old name. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

export function chatParams(request: ChatRequest, model: string, dialect: ChatDialect): Params {
  const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
  return {
    model,
    stream: true,
    messages: [...systemMessage(request), ...chatMessages(request.messages, request.context)],
    ...(request.tools?.length ? { tools: request.tools.map(toolParam) } : {}),
    ...(dialect.maxTokensField === 'max_tokens' ? { max_tokens: maxTokens } : { max_completion_tokens: maxTokens }),
    ...(dialect.streamUsage ? { stream_options: { include_usage: true } } : {}),
  };
}

/** One system message, at the start: several local servers' chat templates accept no other. */
function systemMessage(request: ChatRequest): Message[] {
  return request.system.trim() ? [{ role: 'system', content: request.system }] : [];
}

function toolParam(tool: ToolDefinition): OpenAI.Chat.Completions.ChatCompletionTool {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } };
}

/** Tool results are `role: 'tool'` messages answering a call by its id. */
export function chatMessages(messages: readonly ChatMessage[], context?: string): Message[] {
  const newest = newestUserIndex(messages);
  const out: Message[] = [];
  for (const [index, message] of messages.entries()) {
    if (message.role === 'user') out.push({ role: 'user', content: index === newest ? withContext(message.text, context) : message.text });
    else if (message.role === 'tool')
      out.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.isError ? `Error: ${message.content}` : message.content });
    else {
      const assistant = assistantMessage(message);
      if (assistant) out.push(assistant);
    }
  }
  // Without a user message there is no turn to attach the context to; it becomes one.
  if (newest < 0 && context?.trim()) out.push({ role: 'user', content: context });
  return out;
}

function withContext(text: string, context: string | undefined): string {
  return [context ?? '', text].filter((part) => part.trim()).join('\n\n');
}

function assistantMessage(message: AssistantMessage): Message | undefined {
  const text = assistantText(message);
  const calls = message.toolCalls ?? [];
  // A turn with neither text nor tool calls has nothing to send; the API refuses it.
  if (!text.trim() && calls.length === 0) return undefined;
  return {
    role: 'assistant',
    content: text.trim() ? text : null,
    ...(calls.length
      ? { tool_calls: calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.input) } })) }
      : {}),
  };
}
