/**
 * Plays the assistant's voice gaplessly: each chunk is scheduled right after the previous one.
 * Pause suspends the audio context at once (speech onset: maybe a barge-in), resume continues,
 * stop drops everything scheduled.
 */
export class Playback {
  private context: AudioContext | undefined;
  private nextTime = 0;
  private sources: AudioBufferSourceNode[] = [];
  /** Total audio received, in ms, for tests and the panel. */
  receivedMs = 0;

  play(pcm: Int16Array, sampleRate: number): void {
    this.context ??= new AudioContext();
    const context = this.context;
    const buffer = context.createBuffer(1, pcm.length, sampleRate);
    buffer.getChannelData(0).set(Float32Array.from(pcm, (sample) => sample / 0x8000));
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    this.nextTime = Math.max(this.nextTime, context.currentTime + 0.02);
    source.start(this.nextTime);
    this.nextTime += buffer.duration;
    this.sources.push(source);
    source.onended = () => (this.sources = this.sources.filter((s) => s !== source));
    this.receivedMs += buffer.duration * 1000;
  }

  get playing(): boolean {
    return this.sources.length > 0 && this.context?.state === 'running';
  }

  pause(): void {
    void this.context?.suspend();
  }

  resume(): void {
    void this.context?.resume();
  }

  stop(): void {
    for (const source of this.sources) source.stop();
    this.sources = [];
    this.nextTime = 0;
    void this.context?.resume();
  }
}
