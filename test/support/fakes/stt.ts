/**
 * A speech-to-text stage whose events the test says, when it says them (as agents-js keeps
 * `stt/testing`): interim words, an eager end of turn, a resumed turn, the end of a turn. It
 * records the audio and the endTurn calls it got.
 */
import type { SttProvider } from '../../../protocol/settings';
import { createLogger } from '../../../server/log';
import { Guard } from '../../../server/providers/resilience';
import { STT, SttStream, type LocalEndOfTurnReason, type SttOpenOptions } from '../../../server/providers/stt';

const quiet = createLogger(() => undefined);

export class FakeStt extends STT {
  readonly provider: SttProvider = 'deepgram';
  readonly model = 'fake';
  readonly streaming = true;
  /** The stream the session opened. */
  stream: FakeSttStream | undefined;

  constructor(private readonly hearsEverything = false) {
    super(new Guard('stt', 'deepgram'), quiet);
  }

  override get continuous(): boolean {
    return this.hearsEverything;
  }

  protected async openStream(_options: Required<SttOpenOptions>): Promise<SttStream> {
    this.stream = new FakeSttStream(this.provider);
    return this.stream;
  }

  /** The open stream; fails the test if the session has not opened one. */
  get say(): FakeSttStream {
    if (!this.stream) throw new Error('The voice session has not opened its recognizer yet.');
    return this.stream;
  }
}

export class FakeSttStream extends SttStream {
  /** Bytes of audio pushed. */
  audioBytes = 0;
  readonly endTurns: LocalEndOfTurnReason[] = [];

  constructor(provider: SttProvider) {
    super(provider, quiet);
  }

  /** Words heard so far in the turn, still changing. */
  words(text: string): void {
    this.interim(text);
  }

  eager(text: string): void {
    this.eagerEndOfTurn(text);
  }

  resumed(text: string): void {
    this.turnResumed(text);
  }

  /** The turn is over with these words. */
  endOfTurn(text: string): void {
    this.settle(text);
    this.completeTurn('turnDetection');
  }

  protected sendAudio(pcm: Buffer): void {
    this.audioBytes += pcm.length;
  }

  protected finishTurn(reason: LocalEndOfTurnReason): void {
    this.endTurns.push(reason);
  }

  protected async shutdown(): Promise<void> {}
}
