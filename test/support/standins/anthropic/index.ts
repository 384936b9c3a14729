import { DEFAULT_CHAT_REPLY, type ChatReply, type ChatScriptEntry } from '../chat-reply';
import type { RecordedRequest } from '../exchange';
import { startStandIn, type StandIn, type StandInOptions } from '../http-standin';
import { Script } from '../script';
import { messagesRoute } from './messages';
import { anthropicShape } from './shape';

export interface AnthropicStandInOptions extends StandInOptions {
  /** The only key accepted (as `x-api-key` or `Authorization: Bearer`); default: any non-empty key. */
  apiKey?: string;
  /** Replies for `/v1/messages`, one per request; afterwards `defaultReply`. */
  replies?: ChatScriptEntry[];
  defaultReply?: ChatReply;
}

export interface AnthropicStandIn extends StandIn {
  /** The same as `url`: the SDK appends `/v1/messages` itself. */
  readonly baseURL: string;
  /** Push more replies while the stand-in runs. */
  readonly replies: Script<ChatReply, RecordedRequest>;
}

/** A loopback Anthropic Messages API, plain and SSE, with tool use and Anthropic-shaped errors. */
export async function startAnthropicStandIn(options: AnthropicStandInOptions = {}): Promise<AnthropicStandIn> {
  const replies = new Script<ChatReply, RecordedRequest>(() => options.defaultReply ?? DEFAULT_CHAT_REPLY).push(...(options.replies ?? []));
  const standIn = await startStandIn({ vendor: anthropicShape(options.apiKey), http: [messagesRoute(replies)] }, options);
  return Object.assign(standIn, { baseURL: standIn.url, replies });
}
