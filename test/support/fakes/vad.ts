/**
 * A voice activity detector that reports what the test scripts: the next push returns the events
 * queued with `speechStart()` / `speechEnd()` / `frame()`, whatever the audio.
 */
import { vadEvent, VoiceActivityDetector, type VadEvent } from '../../../server/voice/vad';

export class FakeVad extends VoiceActivityDetector {
  private queued: VadEvent[] = [];
  private ms = 0;

  constructor() {
    super(512);
  }

  override get streamMs(): number {
    return this.ms;
  }

  /** Speech starts now (confirmed at once, as if onset and confirmation were the same frame). */
  speechStart(): this {
    this.queued.push(vadEvent('speechStart', { startMs: this.ms, paddedStartMs: this.ms, atMs: this.ms }));
    return this;
  }

  speechEnd(): this {
    this.queued.push(vadEvent('speechEnd', { startMs: 0, endMs: this.ms, atMs: this.ms }));
    return this;
  }

  frame(probability: number, speaking: boolean): this {
    this.queued.push(vadEvent('frame', { startMs: this.ms, endMs: this.ms + this.frameMs, probability, speaking }));
    return this;
  }

  override async push(pcm: Buffer): Promise<VadEvent[]> {
    this.ms += (pcm.length / 2 / this.sampleRate) * 1000;
    return this.queued.splice(0);
  }

  override async flush(): Promise<VadEvent[]> {
    return this.queued.splice(0);
  }

  protected async infer(): Promise<number> {
    return 0;
  }

  protected resetModel(): void {}

  protected async release(): Promise<void> {}
}
