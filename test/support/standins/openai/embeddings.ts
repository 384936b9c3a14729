import { estimateTokens } from '../chat-reply';
import { float32Base64, hashedEmbedding } from '../embedding';
import { HttpError, type HttpRoute } from '../exchange';
import { sendJson } from '../respond';

interface EmbeddingsBody {
  model: string;
  input: string | string[];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
}

/**
 * `POST /v1/embeddings` with deterministic vectors (see embedding.ts). The SDK asks for
 * `encoding_format: "base64"` when the caller names none and decodes it back to numbers, so
 * both encodings must be right for `embeddings.create` to return the same vectors.
 */
export function embeddingsRoute(defaultDimensions: number): HttpRoute {
  return {
    method: 'POST',
    path: '/v1/embeddings',
    async handle(exchange) {
      const body = checkBody(exchange.request.body);
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      const dimensions = body.dimensions ?? defaultDimensions;
      const data = inputs.map((text, index) => {
        const vector = hashedEmbedding(text, dimensions);
        const embedding = body.encoding_format === 'base64' ? float32Base64(vector) : Array.from(vector);
        return { object: 'embedding', index, embedding };
      });
      const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
      return sendJson(exchange, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    },
  };
}

function checkBody(body: unknown): EmbeddingsBody {
  const candidate = (body ?? {}) as Partial<EmbeddingsBody>;
  if (typeof candidate.model !== 'string') throw new HttpError(400, 'you must provide a model parameter');
  const input = candidate.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || texts.some((text) => typeof text !== 'string' || text === '')) {
    // Token-id inputs are valid for the API but not for this stand-in; say so rather than guess.
    throw new HttpError(400, "'input' must be a non-empty string or array of non-empty strings (the stand-in takes text only).");
  }
  const dimensions = candidate.dimensions;
  if (dimensions !== undefined && (!Number.isInteger(dimensions) || dimensions < 1)) {
    throw new HttpError(400, "'dimensions' must be a positive integer.");
  }
  if (candidate.encoding_format !== undefined && candidate.encoding_format !== 'float' && candidate.encoding_format !== 'base64') {
    throw new HttpError(400, "'encoding_format' must be 'float' or 'base64'.");
  }
  return candidate as EmbeddingsBody;
}
