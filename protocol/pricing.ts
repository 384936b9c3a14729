/**
 * The price table Parley multiplies usage by, declared as a schema so that a table the user edits
 * is validated with a message naming the wrong field (a typo is an error, never a silent zero).
 */
import * as z from 'zod/mini';

const perMTok = z.number().check(z.nonnegative());

/** USD per million tokens of one model family. */
export const ModelPriceSchema = z.strictObject({
  inputPerMTok: perMTok,
  outputPerMTok: perMTok,
  /** Prompt-cache writes that live 5 minutes (Anthropic's default); absent: the input price. */
  cacheWrite5mPerMTok: z.optional(perMTok),
  /** Prompt-cache writes that live an hour; absent: the 5-minute price. */
  cacheWrite1hPerMTok: z.optional(perMTok),
  /** Prompt-cache reads; absent: the input price. */
  cacheReadPerMTok: z.optional(perMTok),
});
export type ModelPrice = z.output<typeof ModelPriceSchema>;

/**
 * USD for one recognizer or voice, keyed `provider:model` (`deepgram:nova-3`, `openai:tts-1`). A
 * recognizer is billed by the audio it is sent, a voice by the characters it is given or by the
 * audio it makes; what a voice costs is the sum of the two that are set.
 */
export const SpeechPriceSchema = z.strictObject({
  perAudioMinute: z.optional(perMTok),
  perMCharacters: z.optional(perMTok),
});
export type SpeechPrice = z.output<typeof SpeechPriceSchema>;

export const PriceTableSchema = z.strictObject({
  /** When the prices were read off the vendors' pages (YYYY-MM-DD). */
  takenOn: z.optional(z.string()),
  /**
   * Keyed by model id or id prefix: `claude-sonnet-4` prices `claude-sonnet-4-20250514`. The
   * longest key that ends where the id has a separator wins.
   */
  models: z.record(z.string(), ModelPriceSchema),
  /** Recognizers and voices, keyed `provider:model` or a prefix of it, matched as models are. */
  speech: z.optional(z.record(z.string(), SpeechPriceSchema)),
});
export type PriceTable = z.output<typeof PriceTableSchema>;
