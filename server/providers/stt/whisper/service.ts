/**
 * The server's side of Parley: Download Speech Model: the list of models (with which are
 * downloaded and which is used), and the download itself, reported through the request's
 * work-done progress and stopped by its cancellation.
 */
import { LSPErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { SpeechModelDownloadRequest, SpeechModelsRequest } from '../../../../protocol/lsp';
import type { ParleySettings } from '../../../../protocol/settings';
import type { SpeechModelList } from '../../../../protocol/speechModels';
import type { Logger } from '../../../log';
import { onRequest } from '../../../rpc';
import type { Keys } from '../../keys';
import { resolveStt } from '../byKeys';
import { downloadModel, DownloadError } from './download';
import { DEFAULT_MODEL_SOURCE, type SpeechModels } from './models';

export interface SpeechModelServiceOptions {
  models: SpeechModels;
  keys: Keys;
  settings: () => Promise<ParleySettings>;
  log: Logger;
  /** A model was installed: speech to text is built anew, and the status says what it uses. */
  onInstalled: () => void;
}

const MIB = 1024 * 1024;

export function registerSpeechModels(connection: Connection, options: SpeechModelServiceOptions): void {
  const { models, keys, log } = options;
  /** The model speech to text uses now, if it is the local recognizer. */
  const inUse = (settings: ParleySettings): string | undefined => {
    const choice = resolveStt(settings.stt, keys, models);
    return choice.provider === 'whisper' ? models.preferred(choice.model)?.entry.name : undefined;
  };

  connection.onRequest(SpeechModelsRequest.type, async (): Promise<SpeechModelList> => {
    const settings = await options.settings();
    const used = inUse(settings);
    const installed = new Set(models.installed().map((model) => model.entry.name));
    return {
      models: models.catalog.map(({ name, size, detail }) => ({ name, size, detail, installed: installed.has(name), inUse: name === used })),
      dir: models.dir ?? '',
      source: settings.speechModels.source || DEFAULT_MODEL_SOURCE,
    };
  });

  onRequest(connection, SpeechModelDownloadRequest, async (params, token) => {
    const entry = models.entry(params.name);
    if (!entry)
      throw new ResponseError(
        LSPErrorCodes.RequestFailed,
        `There is no speech model named ${params.name}; the models are ${models.catalog.map((model) => model.name).join(', ')}.`,
      );
    const dir = models.dir;
    if (!dir) throw new ResponseError(LSPErrorCodes.RequestFailed, 'Parley is still starting; try again in a moment.');
    const settings = await options.settings();
    const source = settings.speechModels.source || DEFAULT_MODEL_SOURCE;
    const progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    progress.begin(`Parley: downloading the speech model ${entry.name} (${entry.size})`, 0, undefined, true);
    log.info('Downloading a speech model', { model: entry.name, source });
    try {
      const path = await downloadModel(entry, {
        dir,
        source,
        signal: controller.signal,
        onProgress: ({ phase, received, total }) => {
          if (phase === 'verifying') return progress.report(100, 'checking its checksum');
          const percentage = total ? Math.floor((100 * received) / total) : undefined;
          progress.report(percentage ?? 0, `${(received / MIB).toFixed(1)} of ${total ? `${(total / MIB).toFixed(1)} MiB` : entry.size}`);
        },
      });
      log.info('Speech model installed', { model: entry.name, path });
      options.onInstalled();
      const used = inUse(await options.settings()) === entry.name;
      const message = used
        ? `Speech to text now uses whisper.cpp with ${entry.name}, on this machine.`
        : `${entry.name} is downloaded. Speech to text uses it when parley.stt.provider is whisper, or auto without a Deepgram or OpenAI key.`;
      return { name: entry.name, path, message };
    } catch (error) {
      log.warn('The speech model was not installed', { model: entry.name, error: error instanceof Error ? error.message : String(error) });
      if (error instanceof DownloadError && error.kind === 'cancelled') throw new ResponseError(LSPErrorCodes.RequestCancelled, error.message);
      throw new ResponseError(LSPErrorCodes.RequestFailed, error instanceof Error ? error.message : String(error));
    } finally {
      progress.done();
    }
  });
}
