import { DEFAULT_CHAT_REPLY, type ChatReply, type ChatScriptEntry } from '../chat-reply';
import type { RecordedRequest } from '../exchange';
import { startStandIn, type StandIn, type StandInOptions } from '../http-standin';
import { Script, type ScriptEntry } from '../script';
import { chatCompletionsRoute } from './chat';
import { embeddingsRoute } from './embeddings';
import { openAIShape } from './shape';
import { speechRoute } from './speech';
import { transcriptionsRoute } from './transcriptions';

export interface OpenAIStandInOptions extends StandInOptions {
  /** The only key accepted as `Authorization: Bearer <key>`; default: any non-empty key. */
  apiKey?: string;
  /** Replies for chat completions, one per request; afterwards `defaultReply`. */
  chat?: ChatScriptEntry[];
  defaultReply?: ChatReply;
  /** Transcripts for audio transcriptions, one per request; afterwards an empty transcript. */
  transcripts?: ScriptEntry<string, RecordedRequest>[];
  /** Embedding size when the request names no `dimensions` (default 1536, as text-embedding-3-small). */
  embeddingDimensions?: number;
}

export interface OpenAIStandIn extends StandIn {
  /** `<url>/v1`, what `new OpenAI({ baseURL })` expects. */
  readonly baseURL: string;
  /** Push more chat replies while the stand-in runs. */
  readonly chat: Script<ChatReply, RecordedRequest>;
  readonly transcripts: Script<string, RecordedRequest>;
}

/**
 * A loopback OpenAI API: chat completions (plain and SSE, with tool calls), embeddings, audio
 * transcriptions (plain and SSE) and speech (pcm / wav).
 */
export async function startOpenAIStandIn(options: OpenAIStandInOptions = {}): Promise<OpenAIStandIn> {
  const chat = new Script<ChatReply, RecordedRequest>(() => options.defaultReply ?? DEFAULT_CHAT_REPLY).push(...(options.chat ?? []));
  const transcripts = new Script<string, RecordedRequest>(() => '').push(...(options.transcripts ?? []));
  const http = [chatCompletionsRoute(chat), embeddingsRoute(options.embeddingDimensions ?? 1536), transcriptionsRoute(transcripts), speechRoute()];
  const standIn = await startStandIn({ vendor: openAIShape(options.apiKey), http }, options);
  return Object.assign(standIn, { baseURL: `${standIn.url}/v1`, chat, transcripts });
}
