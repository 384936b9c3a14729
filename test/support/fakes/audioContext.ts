/**
 * Just enough of the Web Audio API for webview/audio/playback.ts to run under Node: a context
 * whose clock the test moves (`advance`), that stands still while suspended, and buffer sources
 * that end when the clock passes their end (or when stopped, as the browser does).
 */
class FakeBuffer {
  private readonly data: Float32Array;

  constructor(
    readonly length: number,
    readonly sampleRate: number,
  ) {
    this.data = new Float32Array(length);
  }

  get duration(): number {
    return this.length / this.sampleRate;
  }

  getChannelData(): Float32Array {
    return this.data;
  }
}

class FakeSource {
  buffer: FakeBuffer | null = null;
  onended: (() => void) | null = null;
  startAt: number | undefined;
  done = false;

  connect(): void {}

  start(when: number): void {
    this.startAt = when;
  }

  stop(): void {
    this.end();
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.onended?.();
  }
}

export class FakeAudioContext {
  /** The one context the page made, for the test to drive. */
  static last: FakeAudioContext | undefined;
  currentTime = 0;
  state: 'running' | 'suspended' = 'running';
  readonly destination = {};
  private readonly sources: FakeSource[] = [];

  constructor() {
    FakeAudioContext.last = this;
  }

  createBuffer(_channels: number, length: number, sampleRate: number): FakeBuffer {
    return new FakeBuffer(length, sampleRate);
  }

  createBufferSource(): FakeSource {
    const source = new FakeSource();
    this.sources.push(source);
    return source;
  }

  async suspend(): Promise<void> {
    this.state = 'suspended';
  }

  async resume(): Promise<void> {
    this.state = 'running';
  }

  /** Moves the audio clock on by `ms` (not while suspended), ending the sources it passes. */
  advance(ms: number): void {
    if (this.state !== 'running') return;
    this.currentTime += ms / 1000;
    for (const source of this.sources) {
      if (source.startAt !== undefined && source.buffer && source.startAt + source.buffer.duration <= this.currentTime + 1e-9) source.end();
    }
  }
}
