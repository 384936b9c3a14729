/**
 * A configured text-to-speech provider. It opens streams (one per conversation, or per reply)
 * and owns the provider's guard, so every stream shares one circuit breaker.
 */
import type { TtsProvider } from '../../../protocol/settings';
import type { Guard } from '../resilience';
import type { TtsStream } from './stream';

export interface TtsStreamRequest {
  /** Closes the stream when aborted (for example when the session ends). */
  signal?: AbortSignal;
}

export abstract class TtsStage {
  abstract readonly provider: TtsProvider;
  /** The model or voice in use, for the status report and logs. */
  abstract readonly model: string;
  /** Samples per second of every audio event this stage's streams emit. */
  abstract readonly sampleRate: number;
  abstract readonly guard: Guard;
  /** False when voice replies are off (`none`): streams accept text and emit no audio. */
  readonly speaks: boolean = true;
  /** Why the stage does not speak, for the panel; undefined when it does. */
  readonly silentReason: string | undefined = undefined;

  abstract stream(request?: TtsStreamRequest): TtsStream;
}
