/**
 * Text-to-speech: clauses in, 16-bit mono PCM out, with barge-in.
 *
 *   const stage = createTtsStage(settings, keys, log);          // throws a ProviderError with a hint
 *   const tts = stage.stream({ signal: session.signal });
 *   tts.on('audio', (e) => playback.push(e.pcm, e.sampleRate));
 *   tts.on('segmentDone', (e) => spoken.push({ text: e.text, audioMs: e.audioMs }));
 *   tts.on('metrics', (e) => turnMetrics.ttsFirstByteMs = e.ttfbMs);
 *   tts.on('error', (e) => panel.warn(e.error.message));
 *   for (const clause of splitter.push(delta)) tts.pushText(clause);
 *   tts.flush();                                                  // end of the reply
 *   await tts.clear();                                            // barge-in
 */
export { createTtsStage, type TtsStageOptions } from './factory';
export { TtsStage, type TtsStreamRequest } from './stage';
export { FallbackTtsStage } from './fallback';
export { TtsStream, MAX_AUDIO_EVENT_MS, MAX_CLAUSE_CHARS, type Segment, type TtsStreamOptions } from './stream';
export {
  ttsEvent,
  type TtsAudioEvent,
  type TtsErrorEvent,
  type TtsEvent,
  type TtsEventOf,
  type TtsEventType,
  type TtsMetricsEvent,
  type TtsSegmentDoneEvent,
} from './events';
export { AURA_DEFAULT_MODEL, AURA_FLUSH_LIMIT, AURA_SAMPLE_RATE, AuraStage, type FlushLimit } from './deepgram';
export { OPENAI_TTS_DEFAULT_MODEL, OPENAI_TTS_SAMPLE_RATE, OPENAI_TTS_VOICE, OpenAITtsStage } from './openai';
export { SYSTEM_TTS_SAMPLE_RATE, SystemTtsStage, findSystemVoice } from './system';
export { SILENT_REASON, SilentStage } from './none';
