/**
 * Runs on the audio thread: hands each block of microphone samples (mono, the context's rate) to
 * the main thread, which resamples to 16 kHz and sends it to the server.
 */
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: typeof AudioWorkletProcessor): void;

class CaptureProcessor extends AudioWorkletProcessor {
  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor('parley-capture', CaptureProcessor);
