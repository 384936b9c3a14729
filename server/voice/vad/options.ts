/** What counts as speech: thresholds and durations of the voice activity detector, in ms. */
import type { VoiceSettings } from '../../../protocol/settings';

export interface VadOptions {
  /** A frame whose speech probability reaches this is voiced. */
  positiveThreshold: number;
  /** A frame below this is silent; frames in between keep the current state (hysteresis). */
  negativeThreshold: number;
  /** Voiced time needed before speech is reported, so clicks and coughs are not. */
  minSpeechMs: number;
  /** Silence needed to end speech (hangover), so pauses between words do not. */
  redemptionMs: number;
  /** How far before the first voiced frame `paddedStartMs` reaches, for audio sent to recognition. */
  preSpeechPadMs: number;
}

/**
 * Silero's own thresholds (0.5 / 0.35); a 550 ms hangover and 100 ms minimum as LiveKit's Silero
 * plugin; 300 ms of padding keeps the onset of a soft first consonant.
 */
export const DEFAULT_VAD_OPTIONS: Readonly<VadOptions> = {
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
  minSpeechMs: 100,
  redemptionMs: 550,
  preSpeechPadMs: 300,
};

/** The defaults overridden by `options`, checked so a bad setting fails where it is given. */
export function resolveVadOptions(options: Partial<VadOptions> = {}): VadOptions {
  const resolved = { ...DEFAULT_VAD_OPTIONS, ...options };
  const { positiveThreshold: positive, negativeThreshold: negative } = resolved;
  if (!(positive > 0 && positive <= 1)) throw new RangeError(`positiveThreshold must be in (0, 1], not ${positive}`);
  if (!(negative >= 0 && negative <= positive)) throw new RangeError(`negativeThreshold must be in [0, positiveThreshold], not ${negative}`);
  for (const name of ['minSpeechMs', 'redemptionMs', 'preSpeechPadMs'] as const) {
    if (!(resolved[name] >= 0 && Number.isFinite(resolved[name]))) throw new RangeError(`${name} must be a non-negative number of ms, not ${resolved[name]}`);
  }
  return resolved;
}

/**
 * What the settings ask of the detector: the threshold to hear speech, with hysteresis below it
 * as in Silero's own defaults (0.5 / 0.35), and the silence that ends a turn.
 */
export function vadOptionsFromSettings({ vadThreshold, silenceMs }: VoiceSettings): Partial<VadOptions> {
  return { positiveThreshold: vadThreshold, negativeThreshold: Math.max(0.01, vadThreshold - 0.15), redemptionMs: silenceMs };
}
