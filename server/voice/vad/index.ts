/**
 * Voice activity detection: Silero VAD in-process on 16 kHz mono PCM.
 *
 *   const vad = await SileroVad.load({ nativeDir, redemptionMs: 700 });
 *   vad.on('event', (event) => { if (event.type === 'speechEnd') stt.endTurn('vad'); });
 *   await vad.push(pcm);       // any chunk size; resolves with the events it caused
 *   await vad.flush();         // end of the stream: closes speech in progress
 *   await vad.close();
 */
export { SileroVad, sileroModelPath, SILERO_MODEL_FILE, type SileroVadOptions } from './silero';
export { VoiceActivityDetector } from './vad';
export { SpeechDetector } from './detector';
export { DEFAULT_VAD_OPTIONS, resolveVadOptions, vadOptionsFromSettings, type VadOptions } from './options';
export { vadEvent, type VadEvent } from './events';
