/**
 * Playback in the webview. Audio goes to the client as binary frames and plays there at once,
 * gaplessly; the server tells the webview to pause, resume or stop, and announces each answer.
 *
 * The webview reports how much of the answer it has played, by its audio clock: what the user
 * heard of an answer cut short, and when an answer has played out, are taken from those reports,
 * advanced between them by the time since the last one. A client that sends none (an older page)
 * is timed by the server's clock, as a ClockSink; one whose reports stop coming is given
 * REPORT_GRACE_MS past that clock, so an answer never waits long for a page that went quiet.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { encodeAudioFrame } from '../../../protocol/live';
import type { LiveClient, PlaybackReport } from '../../live/server';
import { ClockSink } from './clockSink';
import type { Playout } from './sink';

/** How long past the server's clock an answer waits for the page to report its end. */
export const REPORT_GRACE_MS = 1_000;
/** Played ms within this of what was sent count as all of it (both sides sum chunk lengths in floating point). */
const SENT_TOLERANCE_MS = 2;

interface Report extends PlaybackReport {
  /** When it arrived, by the sink's clock. */
  at: number;
}

export class LiveSink extends ClockSink {
  private answer = 0;
  /** Milliseconds of this answer's audio sent to the client. */
  private sentMs = 0;
  /** The client's latest report for this answer. */
  private report: Report | undefined;
  /** Whether this client has ever reported: then its reports, not the server's clock, say what played. */
  private reporting = false;
  private pausedHere = false;
  private stoppedAt: number | undefined;
  private readonly reported = new Set<() => void>();

  constructor(
    private readonly client: LiveClient,
    private readonly clock: () => number = () => performance.now(),
  ) {
    super(false, clock);
    client.onPlayback = (report) => this.onReport(report);
  }

  override get playing(): boolean {
    const report = this.report;
    const clientPlaying = report?.state === 'playing' && !this.pausedHere && this.stoppedAt === undefined && this.clock() - report.at < REPORT_GRACE_MS;
    return super.playing || (clientPlaying && !this.clientDone());
  }

  override startAnswer(): void {
    super.startAnswer();
    this.answer++;
    this.sentMs = 0;
    this.report = undefined;
    this.stoppedAt = undefined;
    this.client.send({ type: 'playback', action: 'start', answer: this.answer });
  }

  override play(pcm: Int16Array, sampleRate: number): void {
    super.play(pcm, sampleRate);
    this.sentMs += (pcm.length / sampleRate) * 1000;
    this.client.sendBinary(Buffer.from(encodeAudioFrame(pcm, sampleRate)));
  }

  override pause(): void {
    super.pause();
    this.pausedHere = true;
    this.client.send({ type: 'playback', action: 'pause' });
  }

  override resume(): void {
    super.resume();
    this.pausedHere = false;
    // The client's position moves on from its paused one from now.
    if (this.report) this.report = { ...this.report, state: 'playing', at: this.clock() };
    this.client.send({ type: 'playback', action: 'resume' });
  }

  override setRate(rate: number): void {
    // The client's position so far moved at the old rate.
    if (this.report) this.report = { ...this.report, playedMs: this.playedMs(), at: this.clock() };
    super.setRate(rate);
    this.client.send({ type: 'playback', action: 'rate', rate });
  }

  override stop(): number {
    const played = this.playedMs();
    super.stop();
    this.stoppedAt = this.clock();
    this.pausedHere = false;
    this.client.send({ type: 'playback', action: 'stop' });
    return played;
  }

  override playedMs(): number {
    const clockMs = super.playedMs();
    const report = this.report;
    if (!report) return clockMs;
    const moving = report.state === 'playing' && !this.pausedHere ? Math.max(0, (this.stoppedAt ?? this.clock()) - report.at) * this.rate : 0;
    return Math.min(this.sentMs, report.playedMs + moving);
  }

  override async waitForPlayout(signal?: AbortSignal): Promise<Playout> {
    if (!this.reporting) return super.waitForPlayout(signal);
    if (!this.clientDone()) {
      const settled = new AbortController();
      const either = signal ? AbortSignal.any([signal, settled.signal]) : settled.signal;
      const clockThenGrace = super.waitForPlayout(either).then(() => delay(REPORT_GRACE_MS, undefined, { signal: either }).catch(() => undefined));
      await Promise.race([this.clientReportsDone(either), clockThenGrace]);
      settled.abort();
    }
    return { playedMs: this.playedMs(), interrupted: this.stoppedAt !== undefined };
  }

  private onReport(report: PlaybackReport): void {
    this.reporting = true;
    if (report.answer !== this.answer) return;
    // After a stop only the client's last word on the answer counts: a late pause report is older.
    if (this.stoppedAt !== undefined && report.state !== 'done') return;
    this.report = { ...report, at: this.clock() };
    for (const check of [...this.reported]) check();
  }

  /** Whether the client has nothing of this answer left to play: it played everything sent, or stopped. */
  private clientDone(): boolean {
    const report = this.report;
    if (report?.state !== 'done') return false;
    return this.stoppedAt !== undefined || report.playedMs >= this.sentMs - SENT_TOLERANCE_MS;
  }

  private clientReportsDone(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.clientDone() && !signal.aborted) return;
        this.reported.delete(check);
        signal.removeEventListener('abort', check);
        resolve();
      };
      this.reported.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }
}
