/**
 * Plays the assistant's voice gaplessly: each chunk is scheduled right after the previous one.
 * Pause suspends the audio context at once (speech onset: maybe a barge-in), resume continues,
 * stop drops everything scheduled. At a rate other than 1 ("slower", "faster") each chunk is
 * time-stretched at its own pitch (stretch.ts); a new rate re-stretches the chunks not yet begun.
 *
 * It also tells the server how much of the answer has played, by the audio context's clock, which
 * stands still while suspended: the server keeps what the user heard of a stopped answer from these
 * reports, and knows the answer played out when the queue runs dry.
 */
import { PLAYBACK_REPORT_MS, type ClientFrame, type PlaybackState, type ServerFrame } from '../../protocol/live';
import { stretch } from './stretch';

export type PlaybackReport = Extract<ClientFrame, { type: 'playback' }>;
export type PlaybackCommand = Extract<ServerFrame, { type: 'playback' }>;

interface Chunk {
  source: AudioBufferSourceNode;
  /** Audio-context time the chunk starts at, and how long it plays, in seconds. */
  startAt: number;
  duration: number;
  /** The chunk as the server sent it, and its own length in seconds (what reports count). */
  samples: Float32Array;
  sampleRate: number;
  audioSeconds: number;
  answer: number | undefined;
}

export class Playback {
  private context: AudioContext | undefined;
  private nextTime = 0;
  private chunks: Chunk[] = [];
  /** The answer whose audio comes now, as the server announced it. */
  private answer: number | undefined;
  /** Seconds of the answer's chunks that have ended, or played before they were stopped. */
  private finished = 0;
  private lastReportAt = -Infinity;
  private paused = false;
  private rate = 1;
  /** Total audio received, in ms, for tests and the panel. */
  receivedMs = 0;

  constructor(private readonly report: (frame: PlaybackReport) => void = () => undefined) {}

  /** A playback frame from the server. */
  command(frame: PlaybackCommand): void {
    if (frame.action === 'start') this.start(frame.answer);
    else if (frame.action === 'rate') this.setRate(frame.rate);
    else this[frame.action]();
  }

  play(pcm: Int16Array, sampleRate: number): void {
    const samples = Float32Array.from(pcm, (sample) => sample / 0x8000);
    this.schedule(samples, sampleRate, this.answer);
    this.receivedMs += (pcm.length / sampleRate) * 1000;
  }

  /** Plays at `rate` from now on: the chunks not yet begun are stretched again and follow the one playing. */
  setRate(rate: number): void {
    if (rate === this.rate) return;
    this.rate = rate;
    const now = this.context?.currentTime ?? 0;
    const waiting = this.chunks.filter((chunk) => chunk.startAt > now);
    if (waiting.length === 0) return;
    for (const { source } of waiting) {
      source.onended = null;
      source.stop();
    }
    this.chunks = this.chunks.filter((chunk) => !waiting.includes(chunk));
    this.nextTime = waiting[0]!.startAt;
    for (const chunk of waiting) this.schedule(chunk.samples, chunk.sampleRate, chunk.answer);
  }

  private schedule(samples: Float32Array, sampleRate: number, answer: number | undefined): void {
    this.context ??= new AudioContext();
    const context = this.context;
    const played = stretch(samples, sampleRate, this.rate);
    const buffer = context.createBuffer(1, played.length, sampleRate);
    buffer.getChannelData(0).set(played);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    this.nextTime = Math.max(this.nextTime, context.currentTime + 0.02);
    source.start(this.nextTime);
    const chunk: Chunk = { source, startAt: this.nextTime, duration: buffer.duration, samples, sampleRate, audioSeconds: samples.length / sampleRate, answer };
    this.nextTime += buffer.duration;
    this.chunks.push(chunk);
    source.onended = () => this.ended(chunk);
  }

  get playing(): boolean {
    return this.chunks.length > 0 && this.context?.state === 'running';
  }

  pause(): void {
    this.paused = true;
    // Reported once the context has stopped, unless playback went on or stopped meanwhile.
    this.context?.suspend().then(
      () => this.paused && this.send('paused'),
      () => undefined,
    );
  }

  resume(): void {
    this.paused = false;
    this.context?.resume().then(
      () => this.paused || this.send(this.pending() ? 'playing' : 'done'),
      () => undefined,
    );
  }

  stop(): void {
    this.paused = false;
    this.finished = this.playedSeconds();
    for (const { source } of this.chunks) {
      source.onended = null;
      source.stop();
    }
    this.chunks = [];
    this.nextTime = 0;
    this.context?.resume().catch(() => undefined);
    this.send('done');
  }

  private start(answer: number): void {
    this.answer = answer;
    this.finished = 0;
    this.lastReportAt = -Infinity;
  }

  private ended(chunk: Chunk): void {
    this.chunks = this.chunks.filter((other) => other !== chunk);
    if (chunk.answer !== this.answer) return;
    this.finished += chunk.audioSeconds;
    if (!this.pending()) this.send('done');
    else if (performance.now() - this.lastReportAt >= PLAYBACK_REPORT_MS) this.send('playing');
  }

  /** Whether audio of the current answer is still scheduled. */
  private pending(): boolean {
    return this.chunks.some((chunk) => chunk.answer === this.answer);
  }

  /** How much of the current answer has played, in seconds of its own audio: its ended chunks, and the part of those under way. */
  private playedSeconds(): number {
    const now = this.context?.currentTime ?? 0;
    const underWay = this.chunks
      .filter((chunk) => chunk.answer === this.answer)
      .reduce(
        (sum, chunk) => sum + (chunk.duration > 0 ? (Math.min(chunk.duration, Math.max(0, now - chunk.startAt)) / chunk.duration) * chunk.audioSeconds : 0),
        0,
      );
    return this.finished + underWay;
  }

  private send(state: PlaybackState): void {
    if (this.answer === undefined) return;
    this.lastReportAt = performance.now();
    this.report({ type: 'playback', answer: this.answer, playedMs: this.playedSeconds() * 1000, state });
  }
}
