/**
 * Which ONNX Runtime runs Parley's models (the Silero voice activity model, a user's own
 * sentence-embedding model) and how a model file is opened on it.
 *
 * onnxruntime-node is the default where its addon exists for this platform. Where it has none
 * (Intel Macs: ONNX Runtime stopped building for them in 1.24) the same model runs on
 * onnxruntime-web's WebAssembly build, which has the same API and gives the same results but
 * costs more memory and loads slower (bench/README.md, "VAD runtime").
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InferenceSession } from 'onnxruntime-node';

export type Ort = typeof import('onnxruntime-node');
/** Which ONNX runtime runs a model. */
export type OnnxRuntime = 'onnxruntime-node' | 'onnxruntime-web';

/**
 * onnxruntime-node when its addon is there for this platform: next to the server bundle in the
 * packaged extension (`dist/native/onnxruntime/<platform>-<arch>/`), in its own package in a
 * source checkout. Otherwise onnxruntime-web.
 */
export function onnxRuntime(nativeDir?: string): OnnxRuntime {
  const addon = 'onnxruntime_binding.node';
  if (nativeDir && existsSync(join(nativeDir, 'onnxruntime', `${process.platform}-${process.arch}`, addon))) return 'onnxruntime-node';
  try {
    const installed = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch, addon);
    return existsSync(installed) ? 'onnxruntime-node' : 'onnxruntime-web';
  } catch {
    return 'onnxruntime-web';
  }
}

/** The runtime's module; onnxruntime-web on one thread, its WebAssembly from `dist/native/onnxruntime-web/` when packaged. */
export async function loadOrt(runtime: OnnxRuntime, nativeDir?: string): Promise<Ort> {
  if (runtime === 'onnxruntime-node') return import('onnxruntime-node');
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const bundled = nativeDir && join(nativeDir, 'onnxruntime-web');
  if (bundled && existsSync(bundled)) ort.env.wasm.wasmPaths = pathToFileURL(bundled + sep).href;
  // Both implement onnxruntime-common's InferenceSession and Tensor, which is all Parley uses.
  return ort as unknown as Ort;
}

export interface OnnxSessionOptions {
  runtime: OnnxRuntime;
  nativeDir?: string;
  /** Threads one inference may use (onnxruntime-node only; the WebAssembly build runs on one). */
  threads?: number;
}

/** Opens a model file on the chosen runtime, on the CPU, run sequentially and fully optimized. */
export async function openOnnxSession(modelPath: string, options: OnnxSessionOptions): Promise<{ ort: Ort; session: InferenceSession }> {
  const ort = await loadOrt(options.runtime, options.nativeDir);
  const threads = options.runtime === 'onnxruntime-node' ? (options.threads ?? 1) : 1;
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: [options.runtime === 'onnxruntime-node' ? 'cpu' : 'wasm'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return { ort, session };
}
