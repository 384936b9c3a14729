/**
 * A text-to-speech stage that speaks at once: each clause becomes `msPerChar` of silence per
 * character, delivered in the same turn of the event loop, so a test knows each clause's length.
 */
import { createLogger } from '../../../server/log';
import { Guard } from '../../../server/providers/resilience';
import { TtsStage, type TtsStreamRequest } from '../../../server/providers/tts/stage';
import { TtsStream, type Segment, type TtsStreamOptions } from '../../../server/providers/tts/stream';

const quiet = createLogger(() => undefined);

export class FakeTts extends TtsStage {
  readonly provider = 'system';
  readonly model = 'fake';
  readonly sampleRate = 16_000;
  readonly guard = new Guard('tts', 'system');
  /** Every clause spoken, in order. */
  readonly spoken: string[] = [];

  constructor(readonly msPerChar = 10) {
    super();
  }

  stream(request: TtsStreamRequest = {}): TtsStream {
    return new FakeTtsStream({ provider: this.provider, sampleRate: this.sampleRate, log: quiet, signal: request.signal }, this);
  }
}

class FakeTtsStream extends TtsStream {
  constructor(
    options: TtsStreamOptions,
    private readonly stage: FakeTts,
  ) {
    super(options);
  }

  protected speak(segment: Segment): void {
    this.stage.spoken.push(segment.text);
    const samples = Math.round((segment.text.length * this.stage.msPerChar * this.sampleRate) / 1000);
    this.deliver(segment, new Uint8Array(samples * 2));
    this.complete(segment);
  }

  protected async cancel(): Promise<void> {}

  protected async shutdown(): Promise<void> {}
}
