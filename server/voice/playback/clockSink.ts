/**
 * A sink that plays at real-time pace against the clock, without a sound device: playback of
 * queued audio advances with elapsed time and stops advancing while paused. The command line uses
 * it to run whole conversations headless, and it records everything that was played, so the
 * reply can be written to a WAV file.
 */
import type { AudioSink } from './sink';

interface Queued {
  pcm: Int16Array;
  sampleRate: number;
  ms: number;
}

export class ClockSink implements AudioSink {
  private queue: Queued[] = [];
  private queuedMs = 0;
  private startedAt: number | undefined;
  private answerPlayed = 0;
  /** Everything actually played, per chunk with its sample rate, when recording (the command line's reply file). */
  readonly played: Queued[] = [];

  constructor(
    private readonly record = false,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get playing(): boolean {
    this.advance();
    return this.startedAt !== undefined && this.queuedMs > 0;
  }

  play(pcm: Int16Array, sampleRate: number): void {
    this.advance();
    const ms = (pcm.length / sampleRate) * 1000;
    this.queue.push({ pcm, sampleRate, ms });
    this.queuedMs += ms;
    this.startedAt ??= this.now();
  }

  pause(): void {
    this.advance();
    this.startedAt = undefined;
  }

  resume(): void {
    if (this.queuedMs > 0) this.startedAt = this.now();
  }

  stop(): number {
    this.advance();
    this.startedAt = undefined;
    this.queue = [];
    this.queuedMs = 0;
    return this.answerPlayed;
  }

  startAnswer(): void {
    this.advance();
    this.answerPlayed = 0;
  }

  playedMs(): number {
    this.advance();
    return this.answerPlayed;
  }

  /** Moves queued audio into `played` for the time that has passed while playing. */
  private advance(): void {
    if (this.startedAt === undefined) return;
    const now = this.now();
    let budget = now - this.startedAt;
    while (budget > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.ms <= budget) {
        this.queue.shift();
        if (this.record) this.played.push(head);
        budget -= head.ms;
        this.queuedMs -= head.ms;
        this.answerPlayed += head.ms;
      } else {
        const samples = Math.floor((budget / 1000) * head.sampleRate);
        const playedPart = { pcm: head.pcm.subarray(0, samples), sampleRate: head.sampleRate, ms: (samples / head.sampleRate) * 1000 };
        if (this.record) this.played.push(playedPart);
        this.queue[0] = { pcm: head.pcm.subarray(samples), sampleRate: head.sampleRate, ms: head.ms - playedPart.ms };
        this.queuedMs -= playedPart.ms;
        this.answerPlayed += playedPart.ms;
        budget = 0;
      }
    }
    this.startedAt = this.queue.length > 0 ? now : undefined;
    if (this.queue.length === 0) this.queuedMs = 0;
  }
}
