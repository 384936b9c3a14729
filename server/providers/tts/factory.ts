/**
 * The configured text-to-speech stage and its fallbacks, or a ProviderError that says what to
 * set up (see ../choices.ts).
 */
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { buildChoices } from '../choices';
import { ProviderError } from '../errors';
import type { Keys } from '../keys';
import type { GuardPool, ResilienceOptions } from '../resilience';
import { AuraStage, type FlushLimit } from './deepgram';
import { FallbackTtsStage } from './fallback';
import { SilentStage } from './none';
import { OpenAITtsStage } from './openai';
import { PLACEHOLDER_KEY } from '../llm/openai';
import type { TtsStage } from './stage';
import { SystemTtsStage, findSystemVoice } from './system';

export interface TtsStageOptions {
  /** Where programs are looked up and what child processes may inherit (allow-listed); default process.env. */
  env?: NodeJS.ProcessEnv;
  resilience?: ResilienceOptions;
  /** The server's guards, so that a rebuilt stage keeps each provider's circuit breaker. */
  guards?: GuardPool;
  /** Aura's flush limit; tests shorten the window. */
  flushLimit?: FlushLimit;
}

const NO_SYSTEM_VOICE = 'Install a system voice (for example: apt-get install espeak-ng), or choose another text-to-speech provider.';

/**
 * The configured voice, with the fallbacks that are set up behind it (parley.tts.fallbacks).
 * Throws the status report's hint when none is set up.
 */
export function createTtsStage(settings: ParleySettings, keys: Keys, log: Logger, options: TtsStageOptions = {}): TtsStage {
  const env = options.env ?? process.env;
  const stages = buildChoices('tts', settings, keys, env, log, (choice) => createProvider(choice, keys, log, options, env));
  return stages.length === 1 ? stages[0] : new FallbackTtsStage(stages, log);
}

function createProvider(choice: ParleySettings['tts'], keys: Keys, log: Logger, options: TtsStageOptions, env: NodeJS.ProcessEnv): TtsStage {
  const { provider, model, baseUrl } = choice;
  const { resilience, guards } = options;
  switch (provider) {
    case 'deepgram':
      return new AuraStage({ apiKey: keys.get('deepgram')!, baseUrl, model, log, resilience, guards, flushLimit: options.flushLimit });
    case 'openai':
      // A local speech server at a base URL may take no key; the SDK still wants one to send.
      return new OpenAITtsStage({ apiKey: keys.get('openai') ?? PLACEHOLDER_KEY, baseUrl, model, log, resilience, guards });
    case 'system': {
      // The status check accepts any known program; only this platform's voice will do.
      const voice = findSystemVoice(env);
      if (!voice) throw new ProviderError('tts', provider, NO_SYSTEM_VOICE, false);
      return new SystemTtsStage({ voice, env, log, resilience, guards });
    }
    case 'none':
      return new SilentStage(log);
  }
}
