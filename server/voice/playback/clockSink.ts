/**
 * A sink that plays at real-time pace against the clock, without a sound device: playback of
 * queued audio advances with elapsed time and stops advancing while paused. The command line uses
 * it to run whole conversations headless, and it records everything that was played, so the
 * reply can be written to a WAV file. A timer set for when the queue runs dry reports the playout.
 */
import { PlayoutWaiters, type AudioSink, type Playout } from './sink';

interface Queued {
  pcm: Int16Array;
  sampleRate: number;
  ms: number;
}

export class ClockSink implements AudioSink {
  private queue: Queued[] = [];
  private queuedMs = 0;
  private startedAt: number | undefined;
  private paused = false;
  /** Audio ms played per ms of the clock. */
  protected rate = 1;
  private answerPlayed = 0;
  /** Whether this answer's audio was dropped by `stop`. */
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters = new PlayoutWaiters();
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
    if (!this.paused) this.startedAt ??= this.now();
    this.schedule();
  }

  pause(): void {
    this.advance();
    this.paused = true;
    this.startedAt = undefined;
    this.schedule();
  }

  resume(): void {
    this.paused = false;
    if (this.queuedMs > 0) this.startedAt ??= this.now();
    this.schedule();
  }

  stop(): number {
    this.advance();
    this.paused = false;
    this.startedAt = undefined;
    this.queue = [];
    this.queuedMs = 0;
    this.stopped = true;
    this.schedule();
    this.waiters.release(this.playout());
    return this.answerPlayed;
  }

  setRate(rate: number): void {
    this.advance();
    this.rate = rate;
    this.schedule();
  }

  startAnswer(): void {
    this.advance();
    this.answerPlayed = 0;
    this.stopped = false;
  }

  playedMs(): number {
    this.advance();
    return this.answerPlayed;
  }

  waitForPlayout(signal?: AbortSignal): Promise<Playout> {
    this.advance();
    if (this.queuedMs === 0) return Promise.resolve(this.playout());
    return this.waiters.wait(() => this.playout(), signal);
  }

  /** How the answer's playback stands now. */
  protected playout(): Playout {
    return { playedMs: this.answerPlayed, interrupted: this.stopped };
  }

  /** The clock has played everything queued. */
  protected playedOut(): void {
    this.waiters.release(this.playout());
  }

  /** Sets the timer for when the queue will have played, or clears it while nothing plays. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.startedAt === undefined || this.queuedMs === 0) return;
    const leftMs = (this.queuedMs - (this.now() - this.startedAt) * this.rate) / this.rate;
    this.timer = setTimeout(() => this.tick(), Math.max(1, Math.ceil(leftMs)));
  }

  private tick(): void {
    this.timer = undefined;
    this.advance();
    if (this.queuedMs === 0) this.playedOut();
    else this.schedule();
  }

  /** Moves queued audio into `played` for the time that has passed while playing. */
  private advance(): void {
    if (this.startedAt === undefined) return;
    const now = this.now();
    let budget = (now - this.startedAt) * this.rate;
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
