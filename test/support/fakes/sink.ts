/**
 * A sink whose clock the test moves: audio plays only when `advance(ms)` is called, so what was
 * heard and when an answer played out are exact and take no real time. It records every call.
 */
import { PlayoutWaiters, type AudioSink, type Playout } from '../../../server/voice/playback/sink';

export class FakeSink implements AudioSink {
  /** pause, resume, stop, startAnswer and rate changes (`rate 0.9`), in order. */
  readonly calls: string[] = [];
  /** Milliseconds of audio received, per answer. */
  readonly receivedMs: number[] = [];
  private queuedMs = 0;
  private played = 0;
  private paused = false;
  private stopped = false;
  rate = 1;
  private readonly waiters = new PlayoutWaiters();

  get playing(): boolean {
    return !this.paused && this.queuedMs > 0;
  }

  get queued(): number {
    return this.queuedMs;
  }

  play(pcm: Int16Array, sampleRate: number): void {
    const ms = (pcm.length / sampleRate) * 1000;
    this.queuedMs += ms;
    this.receivedMs[this.receivedMs.length - 1] = (this.receivedMs.at(-1) ?? 0) + ms;
  }

  pause(): void {
    this.calls.push('pause');
    this.paused = true;
  }

  resume(): void {
    this.calls.push('resume');
    this.paused = false;
  }

  stop(): number {
    this.calls.push('stop');
    this.paused = false;
    this.queuedMs = 0;
    this.stopped = true;
    this.waiters.release(this.playout());
    return this.played;
  }

  setRate(rate: number): void {
    this.calls.push(`rate ${rate}`);
    this.rate = rate;
  }

  startAnswer(): void {
    this.calls.push('startAnswer');
    this.receivedMs.push(0);
    this.played = 0;
    this.stopped = false;
  }

  playedMs(): number {
    return this.played;
  }

  waitForPlayout(signal?: AbortSignal): Promise<Playout> {
    if (this.queuedMs === 0) return Promise.resolve(this.playout());
    return this.waiters.wait(() => this.playout(), signal);
  }

  /** Plays `ms` of the clock's worth of what is queued, at the rate (nothing while paused); the answer plays out when the queue runs dry. */
  advance(ms: number): void {
    if (this.paused || this.queuedMs === 0) return;
    const step = Math.min(ms * this.rate, this.queuedMs);
    this.queuedMs -= step;
    this.played += step;
    if (this.queuedMs === 0) this.waiters.release(this.playout());
  }

  private playout(): Playout {
    return { playedMs: this.played, interrupted: this.stopped };
  }
}
