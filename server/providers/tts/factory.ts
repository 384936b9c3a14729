/**
 * The configured text-to-speech stage, or a ProviderError that says what to set up. The verdict
 * on whether a provider is usable comes from the status report (../status.ts), so the panel's
 * hint and this error always agree.
 */
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../errors';
import type { Keys } from '../keys';
import type { ResilienceOptions } from '../resilience';
import { stageStatuses } from '../status';
import { AuraStage, type FlushLimit } from './deepgram';
import { SilentStage } from './none';
import { OpenAITtsStage } from './openai';
import { PLACEHOLDER_KEY } from '../llm/openai';
import type { TtsStage } from './stage';
import { SystemTtsStage, findSystemVoice } from './system';

export interface TtsStageOptions {
  /** Where programs are looked up and what child processes may inherit (allow-listed); default process.env. */
  env?: NodeJS.ProcessEnv;
  resilience?: ResilienceOptions;
  /** Aura's flush limit; tests shorten the window. */
  flushLimit?: FlushLimit;
}

const NO_SYSTEM_VOICE = 'Install a system voice (for example: apt-get install espeak-ng), or choose another text-to-speech provider.';

export function createTtsStage(settings: ParleySettings, keys: Keys, log: Logger, options: TtsStageOptions = {}): TtsStage {
  const env = options.env ?? process.env;
  const { provider, model, baseUrl } = settings.tts;
  const status = stageStatuses(settings, keys, env).find((s) => s.stage === 'tts');
  if (status && !status.configured) throw new ProviderError('tts', provider, status.hint ?? `The ${provider} text-to-speech provider is not set up.`, false);
  const { resilience } = options;
  switch (provider) {
    case 'deepgram':
      return new AuraStage({ apiKey: keys.get('deepgram')!, baseUrl, model, log, resilience, flushLimit: options.flushLimit });
    case 'openai':
      // A local speech server at a base URL may take no key; the SDK still wants one to send.
      return new OpenAITtsStage({ apiKey: keys.get('openai') ?? PLACEHOLDER_KEY, baseUrl, model, log, resilience });
    case 'system': {
      // The status check accepts any known program; only this platform's voice will do.
      const voice = findSystemVoice(env);
      if (!voice) throw new ProviderError('tts', provider, NO_SYSTEM_VOICE, false);
      return new SystemTtsStage({ voice, env, log, resilience });
    }
    case 'none':
      return new SilentStage(log);
  }
}
