/**
 * The recognizer `parley.stt.provider: auto` stands for: the best one the user's keys allow.
 * Deepgram transcribes as the user speaks, so it comes first; OpenAI transcription next; then
 * whisper.cpp on this machine once the user has downloaded a speech model; the offline recognizer
 * (pocketsphinx) needs nothing. Each is used at its default model and endpoint.
 */
import type { ParleySettings, SttProvider } from '../../../protocol/settings';
import type { Keys } from '../keys';
import type { SpeechModels } from './whisper/models';

export type SttChoice = ParleySettings['stt'];

export function sttByKeys(keys: Keys, speech?: SpeechModels): Extract<SttProvider, 'deepgram' | 'openai' | 'whisper' | 'offline'> {
  if (keys.has('deepgram')) return 'deepgram';
  if (keys.has('openai')) return 'openai';
  if (speech?.preferred()) return 'whisper';
  return 'offline';
}

/** `choice` with `auto` replaced by the recognizer the keys allow; any other choice as it is. */
export function resolveStt(choice: SttChoice, keys: Keys, speech?: SpeechModels): SttChoice & { provider: SttProvider } {
  if (choice.provider !== 'auto') return { ...choice, provider: choice.provider };
  return { provider: sttByKeys(keys, speech), model: '', baseUrl: '' };
}

/** What the panel says of a recognizer chosen by the keys: why this one, and how to choose. */
export function sttChoiceNote(keys: Keys, speech?: SpeechModels): string {
  const why = {
    deepgram: 'you have a Deepgram key',
    openai: 'you have an OpenAI key and no Deepgram key',
    whisper: 'you have no Deepgram or OpenAI key and have downloaded a speech model',
    offline: 'you have no Deepgram or OpenAI key and no downloaded speech model (Parley: Download Speech Model gets one)',
  }[sttByKeys(keys, speech)];
  return `Chosen because ${why}: with parley.stt.provider at auto, Parley uses Deepgram when there is a Deepgram key, OpenAI transcription when there is an OpenAI key, whisper.cpp on this machine once a speech model is downloaded, the offline recognizer (pocketsphinx) otherwise. Set parley.stt.provider to choose one.`;
}
