import { jsonFragments, replyUsage, textTokens, vendorId, type ChatReply, type ScriptedToolCall } from '../chat-reply';
import { HttpError, type HttpRoute, type RecordedRequest } from '../exchange';
import { sendJson } from '../respond';
import type { Script } from '../script';
import { streamSse, type SseEvent } from '../sse';
import { openAIErrorEvent } from './shape';

interface ChatBody {
  model: string;
  messages: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** `POST /v1/chat/completions`, answering each request with the next scripted reply. */
export function chatCompletionsRoute(script: Script<ChatReply, RecordedRequest>): HttpRoute {
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    async handle(exchange) {
      const body = checkBody(exchange.request.body);
      const reply = script.next(exchange.request);
      const frame = { id: vendorId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: body.model };
      if (body.stream) return streamSse(exchange, streamChunks(reply, body, frame), openAIErrorEvent);
      return sendJson(exchange, completion(reply, body, frame));
    },
  };
}

function checkBody(body: unknown): ChatBody {
  const candidate = (body ?? {}) as Partial<ChatBody>;
  if (typeof candidate.model !== 'string') throw new HttpError(400, 'you must provide a model parameter');
  if (!Array.isArray(candidate.messages) || candidate.messages.length === 0) {
    throw new HttpError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1.");
  }
  return candidate as ChatBody;
}

interface Frame {
  id: string;
  created: number;
  model: string;
}

function finishReason(reply: ChatReply): string {
  return reply.stopReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function argumentsOf(call: ScriptedToolCall): string {
  // A string passes through untouched, so a test can script malformed arguments.
  return typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? {});
}

function toolCallIds(reply: ChatReply): string[] {
  return (reply.toolCalls ?? []).map((call) => call.id ?? vendorId('call_'));
}

function usage(reply: ChatReply, body: ChatBody) {
  const { input, output } = replyUsage(reply, body.messages);
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function completion(reply: ChatReply, body: ChatBody, frame: Frame) {
  const ids = toolCallIds(reply);
  const toolCalls = reply.toolCalls?.map((call, i) => ({
    id: ids[i],
    type: 'function',
    function: { name: call.name, arguments: argumentsOf(call) },
  }));
  const message = { role: 'assistant', content: reply.text ?? null, refusal: null, annotations: [], ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) };
  return {
    ...frame,
    object: 'chat.completion',
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage: usage(reply, body),
    service_tier: 'default',
    system_fingerprint: 'fp_standin',
  };
}

/**
 * The chunk sequence the API streams: a role chunk, one chunk per text token, for each tool call
 * a chunk naming it and then argument fragments, a finish chunk, the usage chunk when
 * `stream_options.include_usage` asks for it (with `usage: null` on every earlier chunk), `[DONE]`.
 */
function* streamChunks(reply: ChatReply, body: ChatBody, frame: Frame): Generator<SseEvent> {
  const withUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], extra: object = {}): SseEvent => ({
    data: {
      ...frame,
      object: 'chat.completion.chunk',
      service_tier: 'default',
      system_fingerprint: 'fp_standin',
      choices,
      ...(withUsage ? { usage: null } : {}),
      ...extra,
    },
  });
  const delta = (d: object, finish: string | null = null) => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  yield delta({ role: 'assistant', content: reply.text === undefined ? null : '', refusal: null });
  for (const token of textTokens(reply.text ?? '')) yield delta({ content: token });
  const ids = toolCallIds(reply);
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    yield delta({ tool_calls: [{ index, id: ids[index], type: 'function', function: { name: call.name, arguments: '' } }] });
    for (const fragment of jsonFragments(argumentsOf(call))) yield delta({ tool_calls: [{ index, function: { arguments: fragment } }] });
  }
  yield delta({}, finishReason(reply));
  if (withUsage) yield chunk([], { usage: usage(reply, body) });
  yield { data: '[DONE]' };
}
