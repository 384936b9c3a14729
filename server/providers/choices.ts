/**
 * A stage's providers in the order it tries them: the configured one, then its fallbacks
 * (`parley.<stage>.fallbacks`), keeping those that are set up. "Set up" is what the status report
 * says (status.ts), so the panel's hint and the error a stage throws always agree.
 */
import type { ParleySettings } from '../../protocol/settings';
import { errorMessage, type Logger } from '../log';
import { ProviderError } from './errors';
import type { Keys } from './keys';
import { configuredChoices, stageStatus } from './status';
import type { SpeechModels } from './stt/whisper/models';

type FallbackStage = 'stt' | 'tts';

const NAMES: Record<FallbackStage, string> = { stt: 'speech to text', tts: 'text to speech' };

/**
 * Builds each choice that is set up. A fallback that cannot be built is left out with a warning;
 * the first one's error, or the status hint when none is set up, is thrown.
 */
export function buildChoices<S extends FallbackStage, P>(
  stage: S,
  settings: ParleySettings,
  keys: Keys,
  env: NodeJS.ProcessEnv,
  log: Logger,
  build: (choice: ParleySettings[S]) => P,
  speech?: SpeechModels,
): [P, ...P[]] {
  const fallbacks = (stage === 'stt' ? settings.sttFallbacks : settings.ttsFallbacks) as readonly ParleySettings[S][];
  const [first, ...rest] = configuredChoices(stage, settings, [settings[stage], ...fallbacks], keys, env, speech);
  const { provider } = settings[stage];
  if (!first)
    throw new ProviderError(
      stage,
      provider,
      stageStatus(stage, settings, keys, env, settings[stage], speech).hint ?? `The ${provider} ${NAMES[stage]} provider is not set up.`,
      false,
    );
  if (first !== settings[stage]) log.warn(`The configured ${NAMES[stage]} is not set up; using the next one`, { configured: provider, using: first.provider });
  const built: [P, ...P[]] = [build(first)];
  for (const choice of rest) {
    try {
      built.push(build(choice));
    } catch (error) {
      log.warn(`A ${NAMES[stage]} fallback cannot be used`, { provider: choice.provider, error: errorMessage(error) });
    }
  }
  return built;
}
