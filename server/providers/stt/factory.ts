/**
 * Builds the speech-to-text provider the settings choose, or says exactly what is missing. The
 * checks are the ones the status report shows (providers/status.ts), so the panel's hint and the
 * error a voice session gets always agree.
 */
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../errors';
import type { Keys } from '../keys';
import { findProgram } from '../programs';
import { stageStatuses } from '../status';
import { DeepgramStt, type DeepgramSttOptions } from './deepgram/deepgram';
import { DeepgramFluxStt, isFluxModel, type DeepgramFluxOptions } from './deepgram/flux';
import { PocketsphinxStt, type PocketsphinxOptions } from './offline/pocketsphinx';
import { OpenAIStt, type OpenAISttOptions } from './openai/openai';
import type { STT } from './stt';

/** Provider options that are not settings (yet): tuning, and what tests need to run fast. */
export interface SttStageOptions {
  env?: NodeJS.ProcessEnv;
  deepgram?: Omit<DeepgramSttOptions, 'apiKey' | 'baseUrl' | 'model'>;
  /** Tuning for Deepgram when the model is a Flux model. */
  flux?: Omit<DeepgramFluxOptions, 'apiKey' | 'baseUrl' | 'model' | 'eagerEndOfTurn'>;
  openai?: Omit<OpenAISttOptions, 'provider' | 'apiKey' | 'baseUrl' | 'model'>;
  offline?: Omit<PocketsphinxOptions, 'program' | 'env'>;
}

/** The offline provider drives this program; pocketsphinx 5's `pocketsphinx` command speaks differently. */
const POCKETSPHINX = 'pocketsphinx_continuous';

export function createSttStage(settings: ParleySettings, keys: Keys, log: Logger, options: SttStageOptions = {}): STT {
  const env = options.env ?? process.env;
  const { provider, model, baseUrl } = settings.stt;
  const status = stageStatuses(settings, keys, env).find((stage) => stage.stage === 'stt');
  if (!status?.configured) throw new ProviderError('stt', provider, status?.hint ?? `Speech to text (${provider}) is not configured.`, false);
  switch (provider) {
    case 'deepgram':
      // A Flux model speaks /v2/listen; eager end-of-turn events are asked for only when the voice loop uses them.
      if (isFluxModel(model)) return new DeepgramFluxStt({ ...options.flux, apiKey: keys.get('deepgram')!, baseUrl, model, eagerEndOfTurn: settings.voice.eagerEndOfTurn }, log);
      return new DeepgramStt({ ...options.deepgram, apiKey: keys.get('deepgram')!, baseUrl, model }, log);
    case 'openai':
    case 'openai-compatible':
      return new OpenAIStt({ ...options.openai, provider, apiKey: keys.get('openai'), baseUrl, model }, log);
    case 'offline':
      return new PocketsphinxStt({ ...options.offline, program: offlineProgram(env), env }, log);
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
