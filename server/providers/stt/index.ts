/**
 * The speech-to-text stage: one event shape for every provider.
 *
 *   const stt = createSttStage(settings, keys, log);          // throws a ProviderError with a hint
 *   const stream = await stt.open({}, signal);
 *   stream.on('event', (event) => { if (event.type === 'endOfTurn') answer(event.text); });
 *   // stt.continuous: feed it the whole microphone stream, silence included (Flux).
 *   stream.push(pcm);                                         // 16 kHz mono s16le, any chunk size
 *   stream.endTurn('pushToTalk');                             // or 'vad'
 *   await stream.close();
 */
export { createSttStage, type SttStageOptions } from './factory';
export { FallbackStt } from './fallback';
export { sttEvent, type EndOfTurnReason, type LocalEndOfTurnReason, type SttEvent, type SttEventType } from './events';
export { DEFAULT_MAX_TURN_MS, STT, SttStream, type SttOpenOptions } from './stt';
export { DeepgramStt, DEEPGRAM_DEFAULT_MODEL, type DeepgramSttOptions } from './deepgram/deepgram';
export { DeepgramFluxStt, FLUX_DEFAULT_MODEL, isFluxModel, type DeepgramFluxOptions } from './deepgram/flux';
export { OpenAIStt, OPENAI_DEFAULT_MODEL, COMPATIBLE_DEFAULT_MODEL, type OpenAISttOptions } from './openai/openai';
export { PocketsphinxStt, type PocketsphinxOptions } from './offline/pocketsphinx';
