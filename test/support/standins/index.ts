/**
 * Loopback stand-ins for the vendors Parley talks to, speaking each vendor's real wire protocol
 * so the official SDKs work against them unchanged (pointed by base URL). Test support only:
 * no product code path may import this folder.
 *
 *   const openai = await startOpenAIStandIn({ chat: [{ text: 'Hi.' }], latency: { ttfbMs: 200 } });
 *   const client = new OpenAI({ apiKey: 'sk-test', baseURL: openai.baseURL });
 *   ...
 *   await openai.close();
 */
export { startOpenAIStandIn, type OpenAIStandIn, type OpenAIStandInOptions } from './openai';
export { OPENAI_SPEECH_SAMPLE_RATE } from './openai/speech';
export { startAnthropicStandIn, type AnthropicStandIn, type AnthropicStandInOptions } from './anthropic';
export { startDeepgramStandIn, type DeepgramStandIn, type DeepgramStandInOptions } from './deepgram';
export { DEEPGRAM_IDLE_TIMEOUT_MS, type ListenCue, type ListenRecord } from './deepgram/listen';
export { FLUX_UPDATE_MS, type FluxCue, type FluxRecord } from './deepgram/flux';
export type { SpeakRecord } from './deepgram/speak';
export type { Closed } from './deepgram/session-socket';

export type { StandIn, StandInOptions } from './http-standin';
export type { RecordedRequest } from './exchange';
export type { UploadedFile, FormFields } from './body';
export type { Fault, FaultTarget, RequestFault, StreamFault } from './faults';
export type { Latency } from './pacing';
export type { Script, ScriptEntry } from './script';
export type { ChatReply, ChatScriptEntry, ScriptedToolCall } from './chat-reply';

export { hashedEmbedding } from './embedding';
export { chunkPcm, silence, speechFor, speechMsFor, tone } from './audio';
