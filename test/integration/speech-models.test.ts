/**
 * Parley: Download Speech Model through the real server over stdio, against a loopback model
 * source (parley.speechModels.source): the list with sizes, a download with progress that is
 * refused because its SHA-1 is not the one whisper.cpp publishes (the loopback cannot serve the
 * real weights), a cancelled download that the next one resumes with a Range request, and the
 * status once a model file is in place: the local recognizer, chosen by auto without keys.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, ErrorCodes, LSPErrorCodes, type ResponseError } from 'vscode-languageserver-protocol';
import { SpeechModelDownloadRequest, SpeechModelsRequest, StatusRequest } from '../../protocol/lsp';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { emptyWhisperModel, writeEmptyWhisperModel } from '../support/whisperModel';

type Progress = { token: string; value: { kind: string; message?: string; percentage?: number } };

/** Bytes that are not tiny.en's weights, served slowly enough to cancel part-way. */
const NOT_THE_MODEL = Buffer.concat(Array.from({ length: 40 }, () => emptyWhisperModel()));

describe('speech models through the server', { timeout: 120_000 }, () => {
  const dir = tempDir('speech-models-server');
  const models = join(dir.path, 'g', 'speech-models');
  let server: TestServer;
  let source: Server;
  const ranges: (string | undefined)[] = [];
  const progress: Progress[] = [];

  before(async () => {
    source = createServer(async (request, response) => {
      ranges.push(request.headers.range);
      if (request.url !== '/ggml-tiny.en.bin') return void response.writeHead(404).end();
      const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
      const body = NOT_THE_MODEL.subarray(start);
      response.writeHead(start ? 206 : 200, {
        'content-length': body.length,
        ...(start ? { 'content-range': `bytes ${start}-${NOT_THE_MODEL.length - 1}/${NOT_THE_MODEL.length}` } : {}),
      });
      for (let offset = 0; offset < body.length && !response.destroyed; offset += 64 * 1024) {
        response.write(body.subarray(offset, offset + 64 * 1024));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      response.end();
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    server = await startServer({ storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') } });
    server.connection.onNotification('$/progress', (params: Progress) => void progress.push(params));
    server.connection.onRequest('window/workDoneProgress/create', () => null);
    await server.changeSettings({ ...server.settings, speechModels: { source: `http://127.0.0.1:${(source.address() as AddressInfo).port}` } });
  });
  after(async () => {
    await server.stop();
    source.closeAllConnections();
    await new Promise<void>((resolve) => source.close(() => resolve()));
    dir.cleanup();
  });

  const sttStatus = async () => (await server.connection.sendRequest(StatusRequest.type)).providers.find((stage) => stage.stage === 'stt')!;

  it('lists the models with their sizes, none downloaded, and the source and folder', async () => {
    const list = await server.connection.sendRequest(SpeechModelsRequest.type);
    assert.deepEqual(
      list.models.map((model) => [model.name, model.size, model.installed, model.inUse]),
      [
        ['base.en', '142 MiB', false, false],
        ['tiny.en', '75 MiB', false, false],
        ['small.en', '466 MiB', false, false],
        ['base', '142 MiB', false, false],
      ],
    );
    assert.equal(list.dir, models);
    assert.match(list.source, /^http:\/\/127\.0\.0\.1:\d+$/);
    const stt = await sttStatus();
    assert.equal(stt.provider, 'offline', 'without a key or a model, auto is pocketsphinx');
    assert.match(stt.note!, /Parley: Download Speech Model gets one/);
  });

  it('stops a cancelled download, keeping what arrived, and the next one resumes from it', async () => {
    const cancel = new CancellationTokenSource();
    const pending = server.connection.sendRequest(SpeechModelDownloadRequest.type, { name: 'tiny.en', workDoneToken: 'cancelled' }, cancel.token);
    await waitFor(() => progress.some((entry) => entry.token === 'cancelled' && entry.value.kind === 'report' && (entry.value.percentage ?? 0) >= 10), {
      timeoutMs: 30_000,
      what: 'a tenth downloaded',
    });
    cancel.cancel();
    await assert.rejects(pending, (error: ResponseError<unknown>) => {
      assert.equal(error.code, LSPErrorCodes.RequestCancelled);
      assert.match(error.message, /cancelled; the .* MiB that arrived are kept/);
      return true;
    });
    const kept = statSync(join(models, 'ggml-tiny.en.bin.part')).size;
    assert.ok(kept > 0 && kept < NOT_THE_MODEL.length, `kept ${kept}`);
    const begin = progress.find((entry) => entry.token === 'cancelled' && entry.value.kind === 'begin');
    assert.match(JSON.stringify(begin), /downloading the speech model tiny\.en \(75 MiB\)/);
    assert.match(JSON.stringify(progress.filter((entry) => entry.token === 'cancelled').at(-2)), /\d+\.\d of \d+\.\d MiB/);

    // The bytes are not tiny.en's: the resumed download ends in the checksum, and nothing is installed.
    await assert.rejects(
      server.connection.sendRequest(SpeechModelDownloadRequest.type, { name: 'tiny.en', workDoneToken: 'resumed' }),
      /is not the published file \(SHA-1 [0-9a-f]{40}, expected c78c86eb1a8faa21b369bcd33207cc90d64ae9df\), so it was deleted/,
    );
    assert.equal(ranges.at(-1), `bytes=${kept}-`);
    assert.deepEqual(existsSync(models) ? readdirSync(models) : [], []);
    assert.equal((await sttStatus()).provider, 'offline');
  });

  it('refuses a model it does not know, and a request of the wrong shape', async () => {
    await assert.rejects(
      server.connection.sendRequest(SpeechModelDownloadRequest.type, { name: 'large-v9' }),
      /no speech model named large-v9; the models are base\.en, tiny\.en/,
    );
    await assert.rejects(
      server.connection.sendRequest(SpeechModelDownloadRequest.method, { name: 5 }),
      (error: ResponseError<unknown>) => error.code === ErrorCodes.InvalidParams && /parley\/speechModels\/download: name/.test(error.message),
    );
  });

  it('uses a downloaded model for speech to text by itself: auto without keys becomes whisper', async () => {
    mkdirSync(models, { recursive: true });
    writeEmptyWhisperModel(join(models, 'ggml-base.en.bin'));
    const stt = await sttStatus();
    assert.deepEqual([stt.provider, stt.model, stt.configured], ['whisper', 'base.en', true]);
    const list = await server.connection.sendRequest(SpeechModelsRequest.type);
    assert.deepEqual(
      list.models.filter((model) => model.installed).map((model) => [model.name, model.inUse]),
      [['base.en', true]],
    );
  });
});
