/**
 * What a sentence-embedding model's folder holds, as a Hugging Face model exported to ONNX lays
 * it out (`optimum-cli export onnx`, or the `onnx/` folder many model repositories ship):
 *
 *   model.onnx or onnx/model.onnx            the network
 *   tokenizer.json (+ tokenizer_config.json)  its tokenizer; or vocab.txt for an older BERT export
 *   1_Pooling/config.json                     sentence-transformers: mean, CLS, max or last-token pooling
 *   sentence_bert_config.json                 sentence-transformers: the longest input in tokens
 *   config_sentence_transformers.json         sentence-transformers: prompts for queries and documents
 *
 * Only the first two are required. Every problem is reported as a ModelFolderError whose message
 * says what is missing and what to do.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export class ModelFolderError extends Error {
  override readonly name = 'ModelFolderError';
}

export type Pooling = 'mean' | 'cls' | 'max' | 'lastToken';

export interface ModelFolder {
  /** The folder the setting names, `~` expanded. */
  folder: string;
  /** A short name for the model: the folder's name. */
  name: string;
  modelFile: string;
  /** tokenizer.json's content, or one built from vocab.txt. */
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Every file whose content shapes the vectors, for the embedder's identity. */
  sources: string[];
  pooling: Pooling;
  maxTokens: number;
  /** Put before a query and before a stored passage, as the model was trained to see them. */
  queryPrompt: string;
  documentPrompt: string;
}

/** Inputs longer than this are cut; BERT-sized models take 512 tokens, most sentence models fewer. */
const DEFAULT_MAX_TOKENS = 512;
const EXPORT_HINT = 'Export the model with its tokenizer, for example: optimum-cli export onnx --model sentence-transformers/all-MiniLM-L6-v2 <folder>.';

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** A JSON file of the folder as an object; undefined when absent, an error naming the file when it is not JSON. */
function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ModelFolderError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}). Export the model again.`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ModelFolderError(`${file} does not hold a JSON object. Export the model again.`);
  return value as Record<string, unknown>;
}

const onnxFiles = (dir: string): string[] =>
  existsSync(dir) && statSync(dir).isDirectory()
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.onnx'))
        .map((name) => join(dir, name))
    : [];

/** model.onnx, else onnx/model.onnx, else the one .onnx file there is; several others are a question only the user can answer. */
function findModel(folder: string): string {
  for (const candidate of [join(folder, 'model.onnx'), join(folder, 'onnx', 'model.onnx')]) if (existsSync(candidate)) return candidate;
  const found = [...onnxFiles(folder), ...onnxFiles(join(folder, 'onnx'))];
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new ModelFolderError(`${folder} has no model.onnx (nor onnx/model.onnx). ${EXPORT_HINT}`);
  throw new ModelFolderError(
    `${folder} has several models (${found.map((file) => basename(file)).join(', ')}). Set parley.embeddings.modelFolder to the .onnx file to use.`,
  );
}

/** BERT's own tokenizer over a vocabulary, as the tokenizer.json Hugging Face writes for it. */
export function bertTokenizerJson(tokens: readonly string[], lowercase: boolean): Record<string, unknown> {
  const vocab = Object.fromEntries(tokens.map((token, id) => [token, id]));
  const special = (token: string) => ({ id: token, ids: [vocab[token]], tokens: [token] });
  return {
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
      .filter((token) => token in vocab)
      .map((content) => ({ id: vocab[content], content, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** An older BERT export's vocab.txt, one token per line in id order. */
function wordPieceTokenizer(vocabFile: string, lowercase: boolean): Record<string, unknown> {
  const tokens = readFileSync(vocabFile, 'utf8').split(/\r?\n/);
  while (tokens.at(-1) === '') tokens.pop();
  for (const special of ['[UNK]', '[CLS]', '[SEP]'])
    if (!tokens.includes(special)) throw new ModelFolderError(`${vocabFile} has no ${special} token, so it is not a BERT vocabulary. ${EXPORT_HINT}`);
  return bertTokenizerJson(tokens, lowercase);
}

function pooling(config: Record<string, unknown> | undefined): Pooling {
  if (!config) return 'mean';
  if (config.pooling_mode_cls_token === true) return 'cls';
  if (config.pooling_mode_lasttoken === true) return 'lastToken';
  if (config.pooling_mode_max_tokens === true && config.pooling_mode_mean_tokens !== true) return 'max';
  return 'mean';
}

const positive = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Reads the folder (or the .onnx file) the setting names. */
export function readModelFolder(setting: string): ModelFolder {
  const path = expandHome(setting.trim());
  if (!path) throw new ModelFolderError('parley.embeddings.modelFolder is empty. Set it to the folder of a sentence-embedding model in ONNX.');
  if (!existsSync(path)) throw new ModelFolderError(`The model folder ${path} does not exist. Set parley.embeddings.modelFolder to the model's folder.`);
  const isFile = statSync(path).isFile();
  if (isFile && !path.endsWith('.onnx'))
    throw new ModelFolderError(`${path} is a file but not an .onnx model. Set parley.embeddings.modelFolder to the model's folder.`);
  // A model file named directly may sit in the export's onnx/ folder, its tokenizer one level up.
  const modelFile = isFile ? path : findModel(path);
  const folder = isFile ? ([dirname(path), dirname(dirname(path))].find((dir) => existsSync(join(dir, 'tokenizer.json'))) ?? dirname(path)) : path;

  const optional = ['tokenizer_config.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'config_sentence_transformers.json'].map((name) =>
    join(folder, name),
  );
  const [tokenizerConfig = {}, poolingConfig, bertConfig, stConfig] = optional.map(readJson);
  const tokenizerFile = join(folder, 'tokenizer.json');
  const vocabFile = join(folder, 'vocab.txt');
  let tokenizer = readJson(tokenizerFile);
  const sources = [modelFile];
  if (tokenizer) sources.push(tokenizerFile);
  else if (existsSync(vocabFile)) {
    tokenizer = wordPieceTokenizer(vocabFile, tokenizerConfig.do_lower_case !== false);
    sources.push(vocabFile);
  } else
    throw new ModelFolderError(`${folder} has no tokenizer.json (nor vocab.txt), so Parley cannot split text the way the model was trained. ${EXPORT_HINT}`);

  sources.push(...optional.filter((file) => existsSync(file)));
  const prompts = (stConfig?.prompts ?? {}) as Record<string, unknown>;
  // model_max_length is a huge sentinel in tokenizers that set none.
  const tokenizerMax = positive(tokenizerConfig.model_max_length);
  const maxTokens = positive(bertConfig?.max_seq_length) ?? (tokenizerMax && tokenizerMax <= 8192 ? tokenizerMax : DEFAULT_MAX_TOKENS);
  return {
    folder,
    name: basename(folder),
    modelFile,
    tokenizer,
    tokenizerConfig,
    sources,
    pooling: pooling(poolingConfig),
    maxTokens,
    queryPrompt: text(prompts.query),
    documentPrompt: text(prompts.document ?? prompts.passage ?? prompts.corpus),
  };
}
