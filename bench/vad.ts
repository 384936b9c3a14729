/**
 * The Silero VAD on two ONNX runtimes: onnxruntime-node (the native addon Parley ships, the
 * baseline) and onnxruntime-web's WebAssembly build, which runs in Node too. Each runtime runs in a
 * child process of its own, alternating which goes first, and feeds the shared speech clips as
 * 32 ms frames at real-time pace, the way a live capture does. Both run the frame exactly as
 * server/voice/vad/silero.ts does (64 samples of context before each 512-sample frame, the state
 * carried over), so the probabilities can be compared frame by frame.
 *
 *   npm run bench -- vad      (BENCH_VAD_RUNS runs per runtime, default 3; BENCH_VAD_FRAMES frames, default 1000)
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { toFloat32 } from '../server/audio/pcm';
import { decodeWav } from '../server/audio/wav';
import { sileroModelPath } from '../server/voice/vad/silero';
import { REPO } from '../test/support/paths';
import { median, printTable, type Row } from './stats';

const RUNS = Number(process.env.BENCH_VAD_RUNS ?? 3);
const FRAMES = Number(process.env.BENCH_VAD_FRAMES ?? 1000);
const FRAME_MS = 32;
const FRAME_SAMPLES = 512;
const CONTEXT_SAMPLES = 64;
const AUDIO = join(REPO, '..', 'shared', 'audio');

type Runtime = 'node' | 'web';

interface ChildResult {
  runtime: Runtime;
  /** import + InferenceSession.create */
  loadMs: number;
  /** The first frame alone: the WebAssembly build compiles its functions as they are first called. */
  firstFrameMs: number;
  /** Every frame after the first, in order. */
  frameMs: number[];
  probabilities: number[];
  rssBeforeMb: number;
  rssLoadedMb: number;
  rssAfterMb: number;
}

/** The manifest's clips end to end, as 512-sample frames, repeated until there are enough. */
function speechFrames(count: number): Float32Array[] {
  const manifest = JSON.parse(readFileSync(join(AUDIO, 'manifest.json'), 'utf8')) as { clips: { file: string }[] };
  const samples = manifest.clips.map((clip) => toFloat32(decodeWav(readFileSync(join(AUDIO, clip.file))).pcm));
  const all = new Float32Array(samples.reduce((sum, clip) => sum + clip.length, 0));
  samples.reduce((offset, clip) => (all.set(clip, offset), offset + clip.length), 0);
  const whole = Math.floor(all.length / FRAME_SAMPLES);
  return Array.from({ length: count }, (_, i) => all.subarray((i % whole) * FRAME_SAMPLES, ((i % whole) + 1) * FRAME_SAMPLES));
}

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;
const pace = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One runtime, in this (child) process: load, then every frame at real-time pace. */
async function runChild(runtime: Runtime): Promise<ChildResult> {
  const frames = speechFrames(FRAMES);
  const rssBeforeMb = rssMb();
  const started = performance.now();
  const ort = runtime === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web');
  if (runtime === 'web') ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(sileroModelPath(), {
    executionProviders: [runtime === 'node' ? 'cpu' : 'wasm'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const loadMs = performance.now() - started;
  const rssLoadedMb = rssMb();
  const input = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
  const sr = new ort.Tensor('int64', BigInt64Array.from([16_000n]), []);
  let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const times: number[] = [];
  const probabilities: number[] = [];
  for (const frame of frames) {
    const due = performance.now() + FRAME_MS;
    input.copyWithin(0, FRAME_SAMPLES);
    input.set(frame, CONTEXT_SAMPLES);
    const begun = performance.now();
    const out = await session.run({ input: new ort.Tensor('float32', input, [1, input.length]), state, sr });
    times.push(performance.now() - begun);
    state = out.stateN as typeof state;
    probabilities.push((out.output!.data as Float32Array)[0]!);
    await pace(Math.max(0, due - performance.now()));
  }
  await session.release();
  return { runtime, loadMs, firstFrameMs: times[0]!, frameMs: times.slice(1), probabilities, rssBeforeMb, rssLoadedMb, rssAfterMb: rssMb() };
}

function inChild(runtime: Runtime): Promise<ChildResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', runtime], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`vad bench child (${runtime}) exited ${code}`))));
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((sorted.length * p) / 100) - 1)]!;
}

/** What the runtime adds to a VSIX: its files as they are and deflated, as vsce stores them. */
function runtimeFiles(runtime: Runtime): string[] {
  if (runtime === 'node') {
    // The addon and the library it links against, as scripts/natives.mjs ships them (not the
    // package's GPU providers or its second copy of the macOS library).
    const dir = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
    return readdirSync(dir)
      .filter((name) => /^(onnxruntime_binding\.node|libonnxruntime\.so\.1|libonnxruntime\.1\.dylib|onnxruntime\.dll)$/.test(name))
      .map((name) => join(dir, name));
  }
  // onnxruntime-web exports no package.json; its Node entry point sits in dist/.
  const dist = dirname(require.resolve('onnxruntime-web'));
  // The Node build of the JavaScript (bundled into server.js) and the one WebAssembly file it loads.
  return [join(dist, 'ort.node.min.js'), join(dist, 'ort-wasm-simd-threaded.mjs'), join(dist, 'ort-wasm-simd-threaded.wasm')];
}

function sizeMb(files: string[]): { unpacked: number; packed: number } {
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return {
    unpacked: mb(files.reduce((sum, file) => sum + statSync(file).size, 0)),
    packed: mb(files.reduce((sum, file) => sum + deflateRawSync(readFileSync(file)).length, 0)),
  };
}

function agreement(a: ChildResult, b: ChildResult): { maxDiff: number; decisionsDiffer: number } {
  let maxDiff = 0;
  let decisionsDiffer = 0;
  a.probabilities.forEach((p, i) => {
    const q = b.probabilities[i]!;
    maxDiff = Math.max(maxDiff, Math.abs(p - q));
    if (p > 0.5 !== q > 0.5) decisionsDiffer++;
  });
  return { maxDiff, decisionsDiffer };
}

async function main(): Promise<void> {
  const results: Record<Runtime, ChildResult[]> = { node: [], web: [] };
  for (let run = 0; run < RUNS; run++) {
    const order: Runtime[] = run % 2 === 0 ? ['node', 'web'] : ['web', 'node'];
    for (const runtime of order) results[runtime].push(await inChild(runtime));
    console.error(`vad bench: run ${run + 1}/${RUNS} done`);
  }
  const baseline = { name: 'onnxruntime-node', runs: results.node };
  const metric = (name: string, unit: string, pick: (r: ChildResult) => number, budget?: number): Row => ({
    metric: `${name}`,
    median: median(results.web.map(pick)),
    unit,
    baseline: { name: baseline.name, median: median(baseline.runs.map(pick)) },
    budget,
  });
  const rows: Row[] = [
    metric('load (import + session)', 'ms', (r) => r.loadMs),
    metric('first frame', 'ms', (r) => r.firstFrameMs),
    metric(`per frame p50 (${FRAMES - 1} frames)`, 'ms', (r) => percentile(r.frameMs, 50), FRAME_MS),
    metric('per frame p95', 'ms', (r) => percentile(r.frameMs, 95), FRAME_MS),
    metric('per frame p99', 'ms', (r) => percentile(r.frameMs, 99), FRAME_MS),
    metric('per frame max (after the first)', 'ms', (r) => Math.max(...r.frameMs)),
    metric('per frame p95, frames 2–100 (the first 3 s)', 'ms', (r) => percentile(r.frameMs.slice(0, 99), 95), FRAME_MS),
    metric('RSS added by loading', 'MB', (r) => r.rssLoadedMb - r.rssBeforeMb),
    metric(`RSS added after ${FRAMES} frames`, 'MB', (r) => r.rssAfterMb - r.rssBeforeMb),
  ];
  const [web, node] = [sizeMb(runtimeFiles('web')), sizeMb(runtimeFiles('node'))];
  rows.push(
    {
      metric: `runtime files in the VSIX, unpacked (${process.platform}-${process.arch})`,
      median: web.unpacked,
      unit: 'MB',
      baseline: { name: baseline.name, median: node.unpacked },
    },
    { metric: 'runtime files in the VSIX, deflated', median: web.packed, unit: 'MB', baseline: { name: baseline.name, median: node.packed } },
  );
  printTable(`Silero VAD: onnxruntime-web (WebAssembly) against onnxruntime-node, ${RUNS} runs each`, rows);
  const same = results.web.map((r, i) => agreement(r, results.node[i]!));
  console.log(
    `\nSame frames, both runtimes: largest probability difference ${Math.max(...same.map((s) => s.maxDiff)).toExponential(2)}, speech decisions (> 0.5) that differ: ${Math.max(...same.map((s) => s.decisionsDiffer))} of ${FRAMES}.`,
  );
}

const child = process.argv.indexOf('--child');
if (child >= 0) {
  runChild(process.argv[child + 1] as Runtime).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
