/**
 * The embedder the settings ask for. The built-in one is the offline default; OpenAI and
 * OpenAI-compatible servers are used when chosen, and an unusable choice is reported with what
 * to set rather than silently replaced (the index would otherwise mix two vector spaces).
 */
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../../providers/errors';
import type { Keys } from '../../providers/keys';
import { BuiltinEmbedder } from './builtin';
import type { Embedder } from './embedder';
import { OpenAIEmbedder } from './openai';

export type { Embedder } from './embedder';
export { BuiltinEmbedder } from './builtin';
export { OpenAIEmbedder } from './openai';

export async function createEmbedder(settings: ParleySettings['embeddings'], keys: Keys, log: Logger, signal?: AbortSignal): Promise<Embedder> {
  switch (settings.provider) {
    case 'builtin':
      return new BuiltinEmbedder();
    case 'openai': {
      const apiKey = keys.get('openai');
      if (!apiKey)
        throw new ProviderError(
          'embeddings',
          'OpenAI',
          'Set an OpenAI key (Parley: Set API Key), or use the built-in embedder (parley.embeddings.provider = builtin).',
          false,
        );
      return new OpenAIEmbedder({ provider: 'openai', apiKey, baseUrl: settings.baseUrl, model: settings.model }, log);
    }
    case 'openai-compatible': {
      if (!settings.baseUrl)
        throw new ProviderError(
          'embeddings',
          'OpenAI-compatible',
          'Set parley.embeddings.baseUrl to your OpenAI-compatible server (for example http://127.0.0.1:11434/v1).',
          false,
        );
      const embedder = new OpenAIEmbedder({ provider: 'openai-compatible', apiKey: keys.get('openai'), baseUrl: settings.baseUrl, model: settings.model }, log);
      await embedder.probe(signal);
      return embedder;
    }
  }
}
