import { jsonFragments, replyUsage, textTokens, vendorId, type ChatReply } from '../chat-reply';
import { HttpError, type HttpRoute, type RecordedRequest } from '../exchange';
import { sendJson } from '../respond';
import type { Script } from '../script';
import { streamSse, type SseEvent } from '../sse';
import { anthropicErrorEvent } from './shape';

interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: unknown[];
  stream?: boolean;
}

type Block = { type: 'text'; text: string; citations: null } | { type: 'tool_use'; id: string; name: string; input: unknown; caller: { type: 'direct' } };

/** `POST /v1/messages`, answering each request with the next scripted reply. */
export function messagesRoute(script: Script<ChatReply, RecordedRequest>): HttpRoute {
  return {
    method: 'POST',
    path: '/v1/messages',
    async handle(exchange) {
      const body = checkBody(exchange.request.body);
      const reply = script.next(exchange.request);
      const message = finalMessage(reply, body);
      if (body.stream) return streamSse(exchange, streamEvents(message), anthropicErrorEvent(exchange.request.id));
      return sendJson(exchange, message);
    },
  };
}

function checkBody(body: unknown): MessagesBody {
  const candidate = (body ?? {}) as Partial<MessagesBody>;
  if (typeof candidate.model !== 'string') throw new HttpError(400, 'model: Field required');
  if (typeof candidate.max_tokens !== 'number') throw new HttpError(400, 'max_tokens: Field required');
  if (!Array.isArray(candidate.messages) || candidate.messages.length === 0) throw new HttpError(400, 'messages: at least one message is required');
  return candidate as MessagesBody;
}

function blocksOf(reply: ChatReply): Block[] {
  const blocks: Block[] = reply.text === undefined ? [] : [{ type: 'text', text: reply.text, citations: null }];
  for (const call of reply.toolCalls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id ?? vendorId('toolu_'), name: call.name, input: call.input, caller: { type: 'direct' } });
  }
  return blocks;
}

function usage(input: number, output: number) {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
}

function finalMessage(reply: ChatReply, body: MessagesBody) {
  const tokens = replyUsage(reply, body.messages);
  return {
    id: vendorId('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: blocksOf(reply),
    stop_reason: reply.stopReason ?? (reply.toolCalls?.length ? 'tool_use' : 'end_turn'),
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usage(tokens.input, tokens.output),
  };
}

type FinalMessage = ReturnType<typeof finalMessage>;

const event = (type: string, data: object): SseEvent => ({ event: type, data: { type, ...data } });

/**
 * The event sequence of the Messages API: `message_start` (empty content), per block a
 * `content_block_start`, its deltas (`text_delta`, or `input_json_delta` fragments starting with an
 * empty one) and `content_block_stop`, with a `ping` after the first block start; then
 * `message_delta` with the stop reason and usage, and `message_stop`.
 */
function* streamEvents(message: FinalMessage): Generator<SseEvent> {
  const { content, usage: total, stop_reason, ...rest } = message;
  yield event('message_start', { message: { ...rest, content: [], stop_reason: null, usage: { ...total, output_tokens: 1 } } });
  for (const [index, block] of content.entries()) {
    yield event('content_block_start', { index, content_block: block.type === 'text' ? { ...block, text: '' } : { ...block, input: {} } });
    if (index === 0) yield event('ping', {});
    yield* blockDeltas(block, index);
    yield event('content_block_stop', { index });
  }
  const delta = { stop_reason, stop_sequence: null, stop_details: null, container: null };
  const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens } = total;
  yield event('message_delta', {
    delta,
    usage: { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, server_tool_use: null, output_tokens_details: null },
  });
  yield event('message_stop', {});
}

function* blockDeltas(block: Block, index: number): Generator<SseEvent> {
  if (block.type === 'text') {
    for (const text of textTokens(block.text)) yield event('content_block_delta', { index, delta: { type: 'text_delta', text } });
    return;
  }
  // A string input passes through untouched, so a test can script malformed JSON.
  const json = typeof block.input === 'string' ? block.input : JSON.stringify(block.input ?? {});
  for (const partial_json of ['', ...jsonFragments(json)]) {
    yield event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
  }
}
