/**
 * The webview microphone: getUserMedia → AudioWorklet → 16 kHz mono s16le frames of 20 ms, plus a
 * level for the meter. Browser-hosted VS Code grants the microphone to webviews; desktop VS Code
 * does not, and `start` then fails with the browser's reason, which the panel shows.
 */
import { CAPTURE_SAMPLE_RATE } from '../../protocol/live';

const FRAME_SAMPLES = CAPTURE_SAMPLE_RATE / 50;

export interface CaptureEvents {
  onFrame(pcm: Int16Array): void;
  /** RMS level of the latest block, 0–1. */
  onLevel(level: number): void;
}

export class MicrophoneCapture {
  private context: AudioContext | undefined;
  private stream: MediaStream | undefined;
  private pending: number[] = [];
  private position = 0;
  muted = false;

  constructor(
    private readonly workletUrl: string,
    private readonly events: CaptureEvents,
  ) {}

  get active(): boolean {
    return this.context !== undefined;
  }

  async start(): Promise<void> {
    if (this.context) return;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const context = new AudioContext();
    this.context = context;
    await context.audioWorklet.addModule(this.workletUrl);
    const source = context.createMediaStreamSource(this.stream);
    const node = new AudioWorkletNode(context, 'parley-capture');
    node.port.onmessage = (event: MessageEvent<Float32Array>) => this.onBlock(event.data, context.sampleRate);
    source.connect(node);
  }

  async stop(): Promise<void> {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    await this.context?.close();
    this.context = undefined;
    this.stream = undefined;
    this.pending = [];
    this.position = 0;
  }

  /** Linear-interpolation resampling to 16 kHz; microphone rates are 44.1 or 48 kHz. */
  private onBlock(block: Float32Array, rate: number): void {
    let sum = 0;
    for (const sample of block) sum += sample * sample;
    this.events.onLevel(this.muted ? 0 : Math.sqrt(sum / block.length));
    const step = rate / CAPTURE_SAMPLE_RATE;
    for (; this.position < block.length - 1; this.position += step) {
      const index = Math.floor(this.position);
      const fraction = this.position - index;
      const value = this.muted ? 0 : block[index]! * (1 - fraction) + block[index + 1]! * fraction;
      this.pending.push(Math.max(-1, Math.min(1, value)));
    }
    this.position -= block.length;
    while (this.pending.length >= FRAME_SAMPLES) {
      const frame = this.pending.splice(0, FRAME_SAMPLES);
      this.events.onFrame(Int16Array.from(frame, (value) => Math.round(value * 0x7fff)));
    }
  }
}
