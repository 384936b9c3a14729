/**
 * The recognizer `parley.stt.provider: auto` stands for: the best one the user's keys allow.
 * Deepgram transcribes as the user speaks, so it comes first; OpenAI transcription next; the
 * offline recognizer needs no key. Each is used at its default model and endpoint.
 */
import type { ParleySettings, SttProvider } from '../../../protocol/settings';
import type { Keys } from '../keys';

export type SttChoice = ParleySettings['stt'];

export function sttByKeys(keys: Keys): Extract<SttProvider, 'deepgram' | 'openai' | 'offline'> {
  if (keys.has('deepgram')) return 'deepgram';
  if (keys.has('openai')) return 'openai';
  return 'offline';
}

/** `choice` with `auto` replaced by the recognizer the keys allow; any other choice as it is. */
export function resolveStt(choice: SttChoice, keys: Keys): SttChoice & { provider: SttProvider } {
  if (choice.provider !== 'auto') return { ...choice, provider: choice.provider };
  return { provider: sttByKeys(keys), model: '', baseUrl: '' };
}

/** What the panel says of a recognizer chosen by the keys: why this one, and how to choose. */
export function sttChoiceNote(keys: Keys): string {
  const why = { deepgram: 'you have a Deepgram key', openai: 'you have an OpenAI key and no Deepgram key', offline: 'you have no Deepgram or OpenAI key' }[
    sttByKeys(keys)
  ];
  return `Chosen because ${why}: with parley.stt.provider at auto, Parley uses Deepgram when there is a Deepgram key, OpenAI transcription when there is an OpenAI key, the offline recognizer otherwise. Set parley.stt.provider to choose one.`;
}
