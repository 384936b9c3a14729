/**
 * Tiny sentence-embedding models written here, byte by byte, as ONNX protobuf, with the folder a
 * Hugging Face export lays out around them: real models cannot be downloaded on these machines.
 *
 * The network is one Gather: token id → a vector the test chooses, so the model's
 * `last_hidden_state` is the chosen vectors in order and every pooled sentence vector can be
 * computed by hand. Optionally a ReduceMean gives a pooled `sentence_embedding` output as well.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bertTokenizerJson } from '../../server/knowledge/embed/modelFolder';

// --- the protobuf wire format, as much as ONNX's ModelProto needs -----------------------------

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = BigInt(value);
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest) byte |= 0x80;
    bytes.push(byte);
  } while (rest);
  return bytes;
}

type Field = number[];
const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, value: number): Field => [...key(field, 0), ...varint(value)];
const bytes = (field: number, data: Uint8Array | number[]): Field => [...key(field, 2), ...varint(data.length), ...data];
const str = (field: number, value: string): Field => bytes(field, [...Buffer.from(value, 'utf8')]);
const message = (field: number, ...fields: Field[]): Field => bytes(field, fields.flat());

const FLOAT = 1;
const FLOAT16 = 10;
const INT32 = 6;
const INT64 = 7;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** ValueInfoProto: a named tensor of an element type, each dimension a number or a symbolic name. */
function valueInfo(field: number, name: string, elemType: number, dims: readonly (number | string)[]): Field {
  const shape = dims.map((dim) => message(1, typeof dim === 'number' ? int(1, dim) : str(2, dim)));
  return message(field, str(1, name), message(2, message(1, int(1, elemType), message(2, ...shape))));
}

function node(opType: string, inputs: readonly string[], outputs: readonly string[], ...attributes: Field[]): Field {
  return message(1, ...inputs.map((input) => str(1, input)), ...outputs.map((output) => str(2, output)), str(3, `${opType}_0`), str(4, opType), ...attributes);
}

export interface TinyModelOptions {
  /** One vector per token id; all the same length. */
  vectors: readonly (readonly number[])[];
  /** Default input_ids; anything else makes a model that is not a text model. */
  idsName?: string;
  idsType?: 'int64' | 'int32';
  tokenTypeIds?: boolean;
  /** An input Parley cannot fill. */
  extraInput?: string;
  /** Also output `sentence_embedding`: the mean over all tokens, padding included. */
  pooledOutput?: boolean;
  /** Store the vectors, and so output them, in half precision, as a model exported in fp16 does. */
  float16?: boolean;
}

/** A number in IEEE 754 half precision (round to nearest; enough for the small test vectors). */
function toHalf(value: number): number {
  if (value === 0) return Object.is(value, -0) ? 0x8000 : 0;
  const sign = value < 0 ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  const exponent = Math.floor(Math.log2(magnitude));
  const fraction = Math.round((magnitude / 2 ** exponent - 1) * 1024);
  return sign | ((exponent + 15) << 10) | (fraction & 0x3ff);
}

/** The model as ONNX bytes: IR version 8, opset 17. */
export function tinyEmbeddingModel(options: TinyModelOptions): Uint8Array {
  const { vectors, idsName = 'input_ids', idsType = 'int64' } = options;
  const dims = vectors[0]!.length;
  const table = options.float16 ? Buffer.from(Uint16Array.from(vectors.flat(), toHalf).buffer) : Buffer.from(Float32Array.from(vectors.flat()).buffer);
  const floatType = options.float16 ? FLOAT16 : FLOAT;
  const idsElem = idsType === 'int64' ? INT64 : INT32;
  const initializer = message(5, int(1, vectors.length), int(1, dims), int(2, floatType), str(8, 'embeddings'), bytes(9, table));
  const nodes = [node('Gather', ['embeddings', idsName], ['last_hidden_state'])];
  const outputs = [valueInfo(12, 'last_hidden_state', floatType, ['batch', 'sequence', dims])];
  if (options.pooledOutput) {
    nodes.push(
      node(
        'ReduceMean',
        ['last_hidden_state'],
        ['sentence_embedding'],
        message(5, str(1, 'axes'), int(20, ATTRIBUTE_INTS), int(8, 1)),
        message(5, str(1, 'keepdims'), int(20, ATTRIBUTE_INT), int(3, 0)),
      ),
    );
    outputs.push(valueInfo(12, 'sentence_embedding', floatType, ['batch', dims]));
  }
  const inputs = [valueInfo(11, idsName, idsElem, ['batch', 'sequence']), valueInfo(11, 'attention_mask', idsElem, ['batch', 'sequence'])];
  if (options.tokenTypeIds) inputs.push(valueInfo(11, 'token_type_ids', idsElem, ['batch', 'sequence']));
  if (options.extraInput) inputs.push(valueInfo(11, options.extraInput, FLOAT, ['batch', 'sequence']));
  const graph = message(7, ...nodes, str(2, 'tiny-embedder'), initializer, ...inputs, ...outputs);
  return Uint8Array.from([...int(1, 8), ...str(2, 'parley-tests'), ...graph, ...message(8, str(1, ''), int(2, 17))]);
}

// --- the folder around it ----------------------------------------------------------------------

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

export interface ModelFolderOptions extends Omit<TinyModelOptions, 'vectors'> {
  /** Token → vector. The special tokens get a vector each too (default: the given ones or zeros). */
  vectors: Readonly<Record<string, readonly number[]>>;
  /** How the tokenizer is given: tokenizer.json (default) or an older export's vocab.txt. */
  tokenizer?: 'json' | 'vocab.txt' | 'none';
  /** Where the model goes inside the folder (default model.onnx). */
  modelPath?: string;
  /** 1_Pooling/config.json's mode, when one is written. */
  pooling?: 'mean' | 'cls' | 'max';
  maxSeqLength?: number;
  prompts?: Record<string, string>;
}

/** Writes a model folder and returns the token order (ids) it used. */
export function writeModelFolder(dir: string, options: ModelFolderOptions): string[] {
  const { vectors, tokenizer = 'json', modelPath = 'model.onnx', pooling, maxSeqLength, prompts, ...model } = options;
  const dims = Object.values(vectors)[0]!.length;
  const tokens = [...SPECIAL_TOKENS, ...Object.keys(vectors).filter((token) => !(SPECIAL_TOKENS as readonly string[]).includes(token))];
  mkdirSync(join(dir, modelPath, '..'), { recursive: true });
  writeFileSync(join(dir, modelPath), tinyEmbeddingModel({ ...model, vectors: tokens.map((token) => vectors[token] ?? new Array<number>(dims).fill(0)) }));
  if (tokenizer === 'json') writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(tokens, true)));
  if (tokenizer === 'vocab.txt') writeFileSync(join(dir, 'vocab.txt'), tokens.join('\n') + '\n');
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: 512 }));
  if (pooling) {
    mkdirSync(join(dir, '1_Pooling'), { recursive: true });
    writeFileSync(
      join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({
        word_embedding_dimension: dims,
        pooling_mode_cls_token: pooling === 'cls',
        pooling_mode_mean_tokens: pooling === 'mean',
        pooling_mode_max_tokens: pooling === 'max',
      }),
    );
  }
  if (maxSeqLength) writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: maxSeqLength, do_lower_case: false }));
  if (prompts) writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts, default_prompt_name: null }));
  return tokens;
}

/** A one-hot vector of the given size. */
export const axis = (index: number, size: number): number[] => Array.from({ length: size }, (_, i) => (i === index ? 1 : 0));
