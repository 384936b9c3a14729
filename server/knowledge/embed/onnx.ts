/**
 * A sentence-embedding model the user keeps on this machine, in ONNX: offline like the built-in
 * embedder, but with meaning learned from a large corpus, so "extension" meets "plugin" and
 * "sluggish" meets "slow". Nothing is downloaded: the user points parley.embeddings.modelFolder at
 * a model they already have (modelFolder.ts says what the folder holds).
 *
 * Text is split by Hugging Face's tokenizers.js from the model's own tokenizer.json, so WordPiece,
 * BPE and Unigram tokenizers all split as they did in training. The network runs on ONNX Runtime
 * (server/onnx.ts); its token vectors are pooled as the model's sentence-transformers
 * configuration says (mean over the real tokens by default), unless it outputs a pooled
 * `sentence_embedding` itself, and scaled to unit length.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnxRuntime, openOnnxSession, type OnnxRuntime, type Ort } from '../../onnx';
import { ProviderError } from '../../providers/errors';
import { normalizeInPlace, type Embedder } from './embedder';
import { ModelFolderError, readModelFolder, type ModelFolder, type Pooling } from './modelFolder';

const PROVIDER = 'ONNX model';
/** Texts per inference: padding to the longest of a few length-sorted texts wastes little. */
const RUN_BATCH = 8;
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);
/** Output names, best first: already pooled, then the last layer's token vectors. */
const POOLED_OUTPUT = 'sentence_embedding';
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];

export interface OnnxEmbedderOptions {
  /** The server's `dist/native` folder, where the packaged extension keeps onnxruntime's addon. */
  nativeDir?: string;
  /** Default: `onnxRuntime(nativeDir)`. */
  runtime?: OnnxRuntime;
}

interface Encoded {
  ids: number[];
}

const fail = (message: string, cause?: unknown) => new ProviderError('embeddings', PROVIDER, message, false, { cause });

/** IEEE 754 half-precision numbers (a model exported in fp16 outputs them) as single precision. */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const half = halves[i]!;
    const sign = half & 0x8000 ? -1 : 1;
    const exponent = (half >>> 10) & 0x1f;
    const fraction = half & 0x3ff;
    out[i] =
      exponent === 0
        ? sign * 2 ** -14 * (fraction / 1024)
        : exponent === 31
          ? fraction
            ? NaN
            : sign * Infinity
          : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

/** SHA-256 over the files that shape the vectors, streamed: a model can be a gigabyte. */
async function fingerprint(files: readonly string[], settings: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(basename(file));
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  hash.update(settings);
  return hash.digest('hex').slice(0, 16);
}

export class OnnxEmbedder implements Embedder {
  readonly batchSize = 32;
  /** The inferences in flight, so dispose never releases the session mid-run. */
  readonly #running = new Set<Promise<unknown>>();
  #released = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly tokenizer: Tokenizer,
    private readonly model: ModelFolder,
    private readonly output: string,
    private readonly intInputs: 'int64' | 'int32',
    /** Set once the probe has run; the id names it. */
    public dimensions: number,
    public id: string,
  ) {}

  /** Reads the folder, opens the model and embeds a probe to learn its dimension; rejects with what to fix. */
  static async load(modelFolder: string, options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
    let model: ModelFolder;
    try {
      model = readModelFolder(modelFolder);
    } catch (error) {
      if (error instanceof ModelFolderError) throw fail(error.message, error);
      throw error;
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(model.tokenizer, model.tokenizerConfig);
    } catch (error) {
      throw fail(`Parley cannot read the tokenizer in ${model.folder}: ${error instanceof Error ? error.message : String(error)}.`, error);
    }
    const runtime = options.runtime ?? onnxRuntime(options.nativeDir);
    let opened: Awaited<ReturnType<typeof openOnnxSession>>;
    try {
      opened = await openOnnxSession(model.modelFile, { runtime, nativeDir: options.nativeDir, threads: Math.max(1, Math.min(4, availableParallelism() - 1)) });
    } catch (error) {
      throw fail(
        `${model.modelFile} is not a model ONNX Runtime can load (${error instanceof Error ? error.message : String(error)}). Export the model again.`,
        error,
      );
    }
    const { ort, session } = opened;
    const release = (error: ProviderError) => session.release().then(() => Promise.reject(error));
    if (!session.inputNames.includes('input_ids'))
      return release(fail(`${model.modelFile} takes no input_ids (it takes ${session.inputNames.join(', ')}), so it is not a text-embedding model.`));
    const unknown = session.inputNames.filter((name) => !KNOWN_INPUTS.has(name));
    if (unknown.length)
      return release(
        fail(`${model.modelFile} needs inputs Parley cannot fill (${unknown.join(', ')}); a sentence-embedding model takes input_ids and attention_mask.`),
      );
    const output = [POOLED_OUTPUT, ...TOKEN_OUTPUTS].find((name) => session.outputNames.includes(name)) ?? session.outputNames[0];
    if (!output) return release(fail(`${model.modelFile} has no outputs.`));
    const idsMeta = session.inputMetadata.find((meta) => meta.name === 'input_ids');
    const intInputs = idsMeta?.isTensor && idsMeta.type === 'int32' ? 'int32' : 'int64';

    const embedder = new OnnxEmbedder(ort, session, tokenizer, model, output, intInputs, 0, '');
    let probe: Float32Array;
    try {
      [probe] = await embedder.#embed(['Parley checks that this model embeds text.'], model.documentPrompt);
    } catch (error) {
      return release(error instanceof ProviderError ? error : fail(`${model.modelFile} failed on a test sentence: ${String(error)}`, error));
    }
    embedder.dimensions = probe!.length;
    const shape = JSON.stringify([model.pooling, model.maxTokens, model.queryPrompt, model.documentPrompt, output]);
    embedder.id = `onnx:${model.name}:${await fingerprint(model.sources, shape)}:${embedder.dimensions}`;
    return embedder;
  }

  get modelFile(): string {
    return this.model.modelFile;
  }

  get pooling(): Pooling {
    return this.model.pooling;
  }

  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.#embed(texts, this.model.documentPrompt, signal);
  }

  /** A query, with the model's query prompt ("query: ", "Represent this sentence for searching…") where it has one. */
  async embedQuery(query: string, signal?: AbortSignal): Promise<Float32Array> {
    const [vector] = await this.#embed([query], this.model.queryPrompt, signal);
    return vector!;
  }

  /** Releases the model once the inference in flight, if any, has finished. */
  async dispose(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await Promise.allSettled(this.#running);
    await this.session.release();
  }

  async #embed(texts: readonly string[], prompt: string, signal?: AbortSignal): Promise<Float32Array[]> {
    const encoded = texts.map((text) => this.#encode(prompt + text));
    // Length-sorted batches pad little; results go back in the caller's order.
    const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.ids.length - encoded[b]!.ids.length);
    const vectors = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += RUN_BATCH) {
      signal?.throwIfAborted();
      if (this.#released) throw fail('The ONNX model was unloaded (the embeddings settings changed).');
      const batch = order.slice(start, start + RUN_BATCH);
      const run = this.#run(batch.map((i) => encoded[i]!));
      this.#running.add(run);
      const pooled = await run.finally(() => this.#running.delete(run));
      batch.forEach((index, k) => (vectors[index] = pooled[k]!));
    }
    return vectors;
  }

  /** Token ids with the model's special tokens, cut to its longest input while keeping the closing token. */
  #encode(text: string): Encoded {
    let { ids } = this.tokenizer.encode(text);
    const max = this.model.maxTokens;
    if (ids.length > max) ids = [...ids.slice(0, max - 1), ids.at(-1)!];
    return { ids };
  }

  async #run(batch: readonly Encoded[]): Promise<Float32Array[]> {
    const rows = batch.length;
    const width = Math.max(1, ...batch.map((item) => item.ids.length));
    const ids = new Array<number>(rows * width).fill(0);
    const mask = new Array<number>(rows * width).fill(0);
    batch.forEach((item, row) => {
      item.ids.forEach((id, t) => {
        ids[row * width + t] = id;
        mask[row * width + t] = 1;
      });
    });
    const tensor = (values: number[]): Tensor =>
      this.intInputs === 'int64'
        ? new this.ort.Tensor('int64', BigInt64Array.from(values, BigInt), [rows, width])
        : new this.ort.Tensor('int32', Int32Array.from(values), [rows, width]);
    const feeds: Record<string, Tensor> = { input_ids: tensor(ids) };
    if (this.session.inputNames.includes('attention_mask')) feeds.attention_mask = tensor(mask);
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = tensor(new Array<number>(rows * width).fill(0));
    let result: Tensor;
    try {
      result = (await this.session.run(feeds))[this.output] as Tensor;
    } catch (error) {
      throw fail(`The ONNX model failed to embed: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    return this.#pool(result, mask, rows, width);
  }

  /** One unit vector per row: the model's pooled output as it is, or its token vectors pooled. */
  #pool(output: Tensor, mask: readonly number[], rows: number, width: number): Float32Array[] {
    // Half precision comes as Float16Array where the JavaScript engine has one, else as its bits.
    const half = output.type === 'float16' ? output.data : undefined;
    const data = half === undefined ? output.data : half instanceof Uint16Array ? float16ToFloat32(half) : Float32Array.from(half as ArrayLike<number>);
    if (!(data instanceof Float32Array)) throw fail(`The model's ${this.output} output is ${output.type}, not float32 or float16 vectors.`);
    const dims = output.dims;
    if (dims.length === 2 && dims[0] === rows) {
      const size = dims[1]!;
      return Array.from({ length: rows }, (_, row) => normalizeInPlace(data.slice(row * size, (row + 1) * size)));
    }
    if (dims.length !== 3 || dims[0] !== rows || dims[1] !== width)
      throw fail(`The model's ${this.output} output has shape [${dims.join(', ')}], not [texts, tokens, dimensions] or [texts, dimensions].`);
    const size = dims[2]!;
    return Array.from({ length: rows }, (_, row) => {
      const vector = new Float32Array(size);
      const tokens: number[] = [];
      for (let t = 0; t < width; t++) if (mask[row * width + t]) tokens.push(t);
      const at = (t: number) => data.subarray((row * width + t) * size, (row * width + t + 1) * size);
      switch (this.model.pooling) {
        case 'cls':
          vector.set(at(0));
          break;
        case 'lastToken':
          vector.set(at(tokens.at(-1) ?? 0));
          break;
        case 'max':
          vector.fill(-Infinity);
          for (const t of tokens) at(t).forEach((value, d) => (vector[d] = Math.max(vector[d]!, value)));
          break;
        case 'mean':
          for (const t of tokens) at(t).forEach((value, d) => (vector[d]! += value));
          for (let d = 0; d < size; d++) vector[d]! /= Math.max(1, tokens.length);
          break;
      }
      return normalizeInPlace(vector);
    });
  }
}
