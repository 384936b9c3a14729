/**
 * `parley.tts.provider = none`: replies are text only. The stage says so (`speaks` false, with a
 * reason for the panel); its streams take text like any other and emit no audio, only the
 * turn's `metrics`, so a voice loop need not special-case it.
 */
import type { Logger } from '../../../log';
import { Guard } from '../../resilience';
import { TtsStage, type TtsStreamRequest } from '../stage';
import { TtsStream, type Segment } from '../stream';

export const SILENT_REASON = 'Voice replies are off (parley.tts.provider is "none"); replies appear as text only.';

export class SilentStage extends TtsStage {
  readonly provider = 'none';
  readonly model = '';
  /** Nominal: no audio is ever produced. */
  readonly sampleRate = 24_000;
  readonly guard = new Guard('tts', 'none');
  override readonly speaks = false;
  override readonly silentReason = SILENT_REASON;

  constructor(private readonly log: Logger) {
    super();
  }

  stream(request: TtsStreamRequest = {}): TtsStream {
    return new SilentStream({ provider: this.provider, sampleRate: this.sampleRate, log: this.log, signal: request.signal });
  }
}

class SilentStream extends TtsStream {
  protected speak(segment: Segment): void {
    this.discard(segment);
  }

  protected async cancel(): Promise<void> {}

  protected async shutdown(): Promise<void> {}
}
