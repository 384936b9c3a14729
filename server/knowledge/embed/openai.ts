/**
 * Embeddings from OpenAI or any OpenAI-compatible server (Ollama, llama.cpp, LM Studio, vLLM),
 * through the official SDK, in batches, behind the stage's Guard (timeout, retries with backoff
 * and jitter, circuit breaker).
 */
import OpenAI from 'openai';
import type { Logger } from '../../log';
import { ProviderError } from '../../providers/errors';
import { explainOpenAIError } from '../../providers/llm/openai/errors';
import { OPENAI_ENDPOINT, PLACEHOLDER_KEY } from '../../providers/llm/openai';
import type { Vendor } from '../../providers/llm/errors';
import { sdkLogger } from '../../providers/llm/sdk-logger';
import { Guard } from '../../providers/resilience';
import { normalizeInPlace, type Embedder, type EmbeddingMeter } from './embedder';
import { redactSecrets } from '../../secrets/redact';

export const OPENAI_EMBEDDING_MODEL = 'text-embedding-3-small';
/** OpenAI accepts up to 2,048 inputs per request; smaller batches keep each request well under its token cap. */
const BATCH_SIZE = 128;

export interface OpenAIEmbedderConfig {
  provider: 'openai' | 'openai-compatible';
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  /** Known ahead for OpenAI's models; for a compatible server found out from the first answer. */
  dimensions?: number;
}

const KNOWN_DIMENSIONS: Record<string, number> = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };

function vendorOf(config: OpenAIEmbedderConfig): Vendor {
  if (config.provider === 'openai') {
    return { label: 'OpenAI', keyHint: 'Check your OpenAI key (Parley: Set API Key).', notFoundHint: 'Check parley.embeddings.model.' };
  }
  return {
    label: `OpenAI-compatible server at ${config.baseUrl}`,
    keyHint: 'Check the key Parley sends it (Parley: Set API Key, OpenAI), or whether the server wants one.',
    notFoundHint: 'Check parley.embeddings.model (an embedding model the server serves) and parley.embeddings.baseUrl (usually ending in /v1).',
  };
}

export class OpenAIEmbedder implements Embedder {
  readonly batchSize = BATCH_SIZE;
  readonly guard: Guard;
  readonly #client: OpenAI;
  readonly #vendor: Vendor;
  readonly #model: string;
  readonly #provider: OpenAIEmbedderConfig['provider'];
  #dimensions: number | undefined;

  constructor(config: OpenAIEmbedderConfig, log: Logger) {
    this.#vendor = vendorOf(config);
    this.#provider = config.provider;
    if (config.provider === 'openai-compatible' && !config.model) {
      throw new ProviderError(
        'embeddings',
        this.#vendor.label,
        'Set parley.embeddings.model to an embedding model your OpenAI-compatible server serves (for example nomic-embed-text).',
        false,
      );
    }
    this.#model = config.model || OPENAI_EMBEDDING_MODEL;
    this.#dimensions = config.dimensions ?? KNOWN_DIMENSIONS[this.#model];
    this.guard = new Guard('embeddings', this.#vendor.label);
    this.#client = new OpenAI({
      apiKey: config.apiKey || PLACEHOLDER_KEY,
      baseURL: config.baseUrl || OPENAI_ENDPOINT,
      organization: null,
      project: null,
      maxRetries: 0,
      logger: sdkLogger(this.#vendor.label, log),
      logLevel: 'warn',
    });
  }

  get id(): string {
    return `${this.#provider}:${this.#model}:${this.#dimensions ?? '?'}`;
  }

  /** 0 until a compatible server has answered once; `probe()` finds it out. */
  get dimensions(): number {
    return this.#dimensions ?? 0;
  }

  /** Learns the dimension of an unknown model by embedding one word. */
  async probe(signal?: AbortSignal): Promise<void> {
    if (this.#dimensions === undefined) await this.embed(['dimension probe'], signal);
  }

  /** Notes are sent with their key-shaped strings masked, as everything bound for a model is. */
  async embed(texts: readonly string[], signal?: AbortSignal, meter?: EmbeddingMeter): Promise<Float32Array[]> {
    const masked = await Promise.all(texts.map(redactSecrets));
    return this.guard.run((attemptSignal) => this.request(masked, attemptSignal, meter), signal);
  }

  private async request(texts: readonly string[], signal: AbortSignal, meter: EmbeddingMeter | undefined): Promise<Float32Array[]> {
    let response: OpenAI.CreateEmbeddingResponse;
    try {
      response = await this.#client.embeddings.create({ model: this.#model, input: [...texts], encoding_format: 'float' }, { signal });
    } catch (error) {
      throw this.explain(error);
    }
    const vectors = this.vectorsOf(response, texts.length);
    // A server that keeps its usage to itself (many local ones) is told nothing of.
    const tokens = response.usage?.prompt_tokens;
    if (meter && typeof tokens === 'number' && Number.isFinite(tokens) && tokens >= 0) meter({ provider: this.#provider, model: this.#model, tokens });
    return vectors;
  }

  private explain(error: unknown): ProviderError {
    const explained = explainOpenAIError(this.#vendor, error);
    return new ProviderError('embeddings', explained.provider, explained.message, explained.retryable, { cause: error });
  }

  /** Checks the answer's shape: a provider that returns garbage gets a clear error, not bad vectors. */
  private vectorsOf(response: OpenAI.CreateEmbeddingResponse, expected: number): Float32Array[] {
    const data = Array.isArray(response?.data) ? [...response.data].sort((a, b) => a.index - b.index) : [];
    const vectors = data.map((item) => item.embedding);
    const width = this.#dimensions ?? (vectors[0] as unknown[] | undefined)?.length;
    const wellFormed = vectors.length === expected && vectors.every((v) => Array.isArray(v) && v.length === width && v.every(Number.isFinite));
    if (!wellFormed || !width) {
      throw new ProviderError(
        'embeddings',
        this.#vendor.label,
        `${this.#vendor.label} returned ${vectors.length} embeddings of an unexpected shape for ${expected} texts.`,
        false,
      );
    }
    this.#dimensions = width;
    return vectors.map((vector) => normalizeInPlace(Float32Array.from(vector)));
  }
}
