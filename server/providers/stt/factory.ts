/**
 * Builds the speech-to-text providers the settings choose, or says exactly what is missing (see
 * ../choices.ts).
 */
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { buildChoices } from '../choices';
import { ProviderError } from '../errors';
import type { Keys } from '../keys';
import { findProgram } from '../programs';
import type { GuardPool } from '../resilience';
import { DeepgramStt, type DeepgramSttOptions } from './deepgram/deepgram';
import { DeepgramFluxStt, isFluxModel, type DeepgramFluxOptions } from './deepgram/flux';
import { PocketsphinxStt, type PocketsphinxOptions } from './offline/pocketsphinx';
import { FallbackStt } from './fallback';
import { OpenAIStt, type OpenAISttOptions } from './openai/openai';
import type { STT } from './stt';
import { resolveStt } from './byKeys';
import type { SpeechModels } from './whisper/models';
import { WhisperStt, type WhisperSttOptions } from './whisper/whisper';

/** Provider options that are not settings (yet): tuning, and what tests need to run fast. */
export interface SttStageOptions {
  env?: NodeJS.ProcessEnv;
  /** The server's guards, so that a rebuilt stage keeps each provider's circuit breaker. */
  guards?: GuardPool;
  deepgram?: Omit<DeepgramSttOptions, 'apiKey' | 'baseUrl' | 'model' | 'guards'>;
  /** Tuning for Deepgram when the model is a Flux model. */
  flux?: Omit<DeepgramFluxOptions, 'apiKey' | 'baseUrl' | 'model' | 'eagerEndOfTurn' | 'guards'>;
  openai?: Omit<OpenAISttOptions, 'provider' | 'apiKey' | 'baseUrl' | 'model' | 'guards'>;
  offline?: Omit<PocketsphinxOptions, 'program' | 'env' | 'guards'>;
  whisper?: Omit<WhisperSttOptions, 'model' | 'env' | 'guards'>;
  /** The downloaded speech models, for the local recognizer (and for `auto`, which uses it once there is one). */
  speech?: SpeechModels;
}

/** The offline provider drives this program; pocketsphinx 5's `pocketsphinx` command speaks differently. */
const POCKETSPHINX = 'pocketsphinx_continuous';

/**
 * The configured recognizer, with the fallbacks that are set up behind it (parley.stt.fallbacks).
 * Throws the status report's hint when none is set up.
 */
export function createSttStage(configured: ParleySettings, keys: Keys, log: Logger, options: SttStageOptions = {}): STT {
  const env = options.env ?? process.env;
  const settings = { ...configured, stt: resolveStt(configured.stt, keys, options.speech) };
  const providers = buildChoices('stt', settings, keys, env, log, (choice) => createProvider(choice, settings, keys, log, options, env), options.speech);
  return providers.length === 1 ? providers[0] : new FallbackStt(providers, log);
}

function createProvider(
  choice: ParleySettings['stt'],
  settings: ParleySettings,
  keys: Keys,
  log: Logger,
  options: SttStageOptions,
  env: NodeJS.ProcessEnv,
): STT {
  const { provider, model, baseUrl } = resolveStt(choice, keys);
  const { guards } = options;
  switch (provider) {
    case 'deepgram':
      // A Flux model speaks /v2/listen; eager end-of-turn events are asked for only when the voice loop uses them.
      if (isFluxModel(model))
        return new DeepgramFluxStt(
          { ...options.flux, guards, apiKey: keys.get('deepgram')!, baseUrl, model, eagerEndOfTurn: settings.voice.eagerEndOfTurn },
          log,
        );
      return new DeepgramStt({ ...options.deepgram, guards, apiKey: keys.get('deepgram')!, baseUrl, model }, log);
    case 'openai':
    case 'openai-compatible':
      return new OpenAIStt({ ...options.openai, guards, provider, apiKey: keys.get('openai'), baseUrl, model }, log);
    case 'whisper': {
      // status.ts has checked that the model is there.
      const installed = options.speech?.preferred(model);
      if (!installed) throw new ProviderError('stt', 'whisper', 'No speech model is downloaded: run Parley: Download Speech Model.', false);
      return new WhisperStt({ ...options.whisper, guards, env, model: installed }, log);
    }
    case 'offline':
      return new PocketsphinxStt({ ...options.offline, guards, program: offlineProgram(env), env }, log);
  }
}

function offlineProgram(env: NodeJS.ProcessEnv): string {
  const program = findProgram(POCKETSPHINX, env);
  if (program) return program;
  throw new ProviderError(
    'stt',
    'offline',
    'Parley runs the offline recognizer as pocketsphinx_continuous, which is not on PATH (the pocketsphinx 5 command line is not supported). Install it (for example: apt-get install pocketsphinx pocketsphinx-en-us), or choose another speech-to-text provider.',
    false,
  );
}
