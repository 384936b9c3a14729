/**
 * The embedder the settings ask for. The built-in one is the offline default; OpenAI,
 * OpenAI-compatible servers and a local ONNX model are used when chosen, and an unusable choice is
 * reported with what to set rather than silently replaced (the index would otherwise mix two
 * vector spaces).
 */
import type { ParleySettings } from '../../../protocol/settings';
import type { Logger } from '../../log';
import { ProviderError } from '../../providers/errors';
import type { Keys } from '../../providers/keys';
import { BuiltinEmbedder } from './builtin';
import type { Embedder } from './embedder';
import { OnnxEmbedder } from './onnx';
import { OpenAIEmbedder } from './openai';

export type { Embedder } from './embedder';
export { BuiltinEmbedder } from './builtin';
export { OnnxEmbedder } from './onnx';
export { OpenAIEmbedder } from './openai';

export interface EmbedderContext {
  keys: Keys;
  log: Logger;
  /** The server's `dist/native` folder, where the packaged extension keeps onnxruntime's addon. */
  nativeDir?: string;
  signal?: AbortSignal;
}

export async function createEmbedder(settings: ParleySettings['embeddings'], { keys, log, nativeDir, signal }: EmbedderContext): Promise<Embedder> {
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
    case 'onnx': {
      const embedder = await OnnxEmbedder.load(settings.modelFolder, { nativeDir });
      log.info('ONNX embedding model loaded', { model: embedder.modelFile, id: embedder.id, pooling: embedder.pooling });
      return embedder;
    }
  }
}
