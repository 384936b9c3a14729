/**
 * A ChatRequest as Anthropic Messages parameters, with prompt caching. Three `cache_control`
 * breakpoints (of the four allowed): after the tools, after the system prompt, and at the end of
 * the conversation before the newest user message. The per-turn context rides with that newest
 * message, after the last breakpoint, so it can change every turn without invalidating the
 * cached prefix; the history cached on one turn is read back on the next. (Haiku 4.5 caches
 * nothing under 4,096 tokens, so tools and system prompt alone rarely qualify; the history does
 * as a session grows.)
 */
import type Anthropic from '@anthropic-ai/sdk';
import { assistantText, newestUserIndex } from '../conversation';
import {
  DEFAULT_MAX_TOKENS,
  type AssistantMessage,
  type ChatMessage,
  type ChatRequest,
  type ToolDefinition,
  type ToolResultMessage,
  type UserMessage,
} from '../types';

const CACHE: Anthropic.CacheControlEphemeral = { type: 'ephemeral' };

export function anthropicParams(request: ChatRequest, model: string): Anthropic.MessageStreamParams {
  const tools = request.tools?.length ? toolParams(request.tools) : undefined;
  // The API refuses empty text blocks.
  const system: Anthropic.TextBlockParam[] = request.system.trim() ? [{ type: 'text', text: request.system, cache_control: CACHE }] : [];
  return {
    model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(system.length ? { system } : {}),
    messages: messageParams(request.messages, request.context),
    ...(tools ? { tools } : {}),
  };
}

function toolParams(tools: readonly ToolDefinition[]): Anthropic.Tool[] {
  return tools.map((tool, index) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.inputSchema,
    ...(index === tools.length - 1 ? { cache_control: CACHE } : {}),
  }));
}

/**
 * Tool results travel as `tool_result` blocks in a user message right after the assistant's
 * `tool_use`; consecutive results share one message, as the API documents for parallel calls.
 */
export function messageParams(messages: readonly ChatMessage[], context?: string): Anthropic.MessageParam[] {
  const newest = newestUserIndex(messages);
  const params: Anthropic.MessageParam[] = [];
  for (const [index, message] of messages.entries()) {
    if (message.role === 'user') {
      if (index === newest) markCacheBreakpoint(params.at(-1));
      params.push(userParam(message, index === newest ? context : undefined));
    } else if (message.role === 'assistant') {
      const content = assistantBlocks(message);
      // A turn with neither text nor tool calls has nothing to send; the API refuses empty content.
      if (content.length) params.push({ role: 'assistant', content });
    } else {
      appendToolResult(params, toolResult(message));
    }
  }
  // Without a user message there is no turn to attach the context to; it becomes one.
  if (newest < 0 && context?.trim()) params.push({ role: 'user', content: context });
  return params;
}

function userParam(message: UserMessage, context: string | undefined): Anthropic.MessageParam {
  if (!context?.trim()) return { role: 'user', content: message.text };
  const content: Anthropic.TextBlockParam[] = [{ type: 'text', text: context }];
  if (message.text.trim()) content.push({ type: 'text', text: message.text });
  return { role: 'user', content };
}

/** Puts a breakpoint on the last block of a message, turning plain text content into a block. */
function markCacheBreakpoint(message: Anthropic.MessageParam | undefined): void {
  if (!message) return;
  if (typeof message.content === 'string') {
    message.content = [{ type: 'text', text: message.content, cache_control: CACHE }];
    return;
  }
  // Parley sends only text, tool_use and tool_result blocks, which all take cache_control.
  const last = message.content.at(-1);
  if (last) Object.assign(last, { cache_control: CACHE });
}

function assistantBlocks(message: AssistantMessage): Anthropic.ContentBlockParam[] {
  const text = assistantText(message);
  const blocks: Anthropic.ContentBlockParam[] = text.trim() ? [{ type: 'text', text }] : [];
  for (const call of message.toolCalls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
  return blocks;
}

function toolResult(message: ToolResultMessage): Anthropic.ToolResultBlockParam {
  return { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content, ...(message.isError ? { is_error: true } : {}) };
}

function appendToolResult(params: Anthropic.MessageParam[], block: Anthropic.ToolResultBlockParam): void {
  const last = params.at(-1);
  if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) {
    last.content.push(block);
  } else {
    params.push({ role: 'user', content: [block] });
  }
}
