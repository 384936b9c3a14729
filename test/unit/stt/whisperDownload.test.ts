/**
 * Parley: Download Speech Model's download, against a loopback HTTP server that serves a model
 * file with Range support and can misbehave: drop the connection part-way, ignore Range, stall,
 * serve other bytes, answer 404. The model is installed only whole and with the published SHA-1;
 * an interrupted or cancelled download keeps what arrived and the next one resumes from there.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { downloadModel, DownloadError, type DownloadProgress } from '../../../server/providers/stt/whisper/download';
import { SpeechModels, SPEECH_MODELS, type SpeechModelEntry } from '../../../server/providers/stt/whisper/models';
import { tempDir } from '../../support/paths';

const MODEL = randomBytes(3 * 1024 * 1024 + 17);
const ENTRY: SpeechModelEntry = {
  name: 'test.en',
  file: 'ggml-test.en.bin',
  size: '3 MiB',
  sha1: createHash('sha1').update(MODEL).digest('hex'),
  detail: 'a test file',
};

interface Behaviour {
  /** Close the connection after this many body bytes, for the next `times` requests. */
  cutAfter?: { bytes: number; times: number };
  ignoreRange?: boolean;
  /** Send the headers, then nothing. */
  stall?: boolean;
  body?: Buffer;
  status?: number;
  /** Bytes per write, and the pause between writes (ms), to make a download take a while. */
  slow?: { chunk: number; pauseMs: number };
}

let server: Server;
let source: string;
let behaviour: Behaviour = {};
let requests: { range?: string; sent: number }[] = [];

async function respond(request: IncomingMessage, response: import('node:http').ServerResponse): Promise<void> {
  const log = { range: request.headers.range, sent: 0 };
  requests.push(log);
  if (request.url !== `/${ENTRY.file}` || behaviour.status === 404) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const body = behaviour.body ?? MODEL;
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  let start = 0;
  if (range && !behaviour.ignoreRange) {
    start = Number(range[1]);
    if (start >= body.length) {
      response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    response.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  } else {
    response.writeHead(200, { 'content-length': body.length });
  }
  if (behaviour.stall) {
    response.flushHeaders();
    return;
  }
  let rest = body.subarray(start);
  const cut = behaviour.cutAfter && behaviour.cutAfter.times > 0 ? behaviour.cutAfter : undefined;
  if (cut) {
    cut.times--;
    rest = rest.subarray(0, cut.bytes);
  }
  const chunk = behaviour.slow?.chunk ?? 64 * 1024;
  for (let offset = 0; offset < rest.length; offset += chunk) {
    if (response.destroyed) return;
    const piece = rest.subarray(offset, offset + chunk);
    await new Promise<void>((resolve) => response.write(piece, () => resolve()));
    log.sent += piece.length;
    if (behaviour.slow) await new Promise((resolve) => setTimeout(resolve, behaviour.slow!.pauseMs));
  }
  if (cut) response.socket?.destroy();
  else response.end();
}

describe('downloading a speech model', () => {
  let dir: ReturnType<typeof tempDir>;
  before(async () => {
    server = createServer((request, response) => void respond(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    source = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    dir = tempDir('speech-models');
    behaviour = {};
    requests = [];
  });
  afterEach(() => {
    server.closeAllConnections();
    dir.cleanup();
  });

  const target = () => join(dir.path, ENTRY.file);
  const part = () => `${target()}.part`;

  it('downloads the file with progress, checks its SHA-1 and installs it under its own name', async () => {
    const progress: DownloadProgress[] = [];
    const path = await downloadModel(ENTRY, { dir: dir.path, source, onProgress: (p) => progress.push(p) });
    assert.equal(path, target());
    assert.ok(readFileSync(path).equals(MODEL));
    assert.equal(existsSync(part()), false, 'no part file is left');
    assert.deepEqual(progress.at(-1), { phase: 'verifying', received: MODEL.length, total: MODEL.length });
    assert.ok(progress.some((p) => p.phase === 'downloading' && p.total === MODEL.length));
    const models = new SpeechModels(dir.path, [ENTRY]);
    assert.equal(models.preferred()?.path, path, 'installed models are found');
    assert.equal(requests.length, 1);
  });

  it('resumes with a Range request when the connection drops part-way, and the file is whole', async () => {
    behaviour.cutAfter = { bytes: 1_000_000, times: 2 };
    const path = await downloadModel(ENTRY, { dir: dir.path, source });
    assert.ok(readFileSync(path).equals(MODEL));
    // Each resume asks from what arrived (bytes in flight when the connection dropped are lost, and asked for again).
    const [first, ...resumed] = requests.map((r) => r.range);
    assert.equal(first, undefined);
    const starts = resumed.map((range) => Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1]));
    assert.equal(starts.length, 2);
    assert.ok(starts[0]! > 0 && starts[0]! <= 1_000_000 && starts[1]! > starts[0]! && starts[1]! <= starts[0]! + 1_000_000, `resumed at ${starts.join(', ')}`);
    assert.equal(requests.at(-1)?.sent, MODEL.length - starts[1]!, 'the last request sends the rest');
  });

  it('gives up after its resumes with what arrived kept, and the next download resumes from it', async () => {
    behaviour.cutAfter = { bytes: 1_500_000, times: 1 };
    const failed = await downloadModel(ENTRY, { dir: dir.path, source, resumes: 0 }).catch((error: unknown) => error);
    assert.ok(failed instanceof DownloadError && failed.kind === 'interrupted', String(failed));
    assert.match(failed.message, /stopped at \d+\.\d MiB .*run Parley: Download Speech Model again to resume/);
    const kept = statSync(part()).size;
    assert.ok(kept > 0 && kept <= 1_500_000, `kept ${kept}`);
    assert.equal(existsSync(target()), false, 'nothing is installed');
    const path = await downloadModel(ENTRY, { dir: dir.path, source });
    assert.ok(readFileSync(path).equals(MODEL));
    assert.equal(requests.at(-1)?.range, `bytes=${kept}-`);
    assert.equal(requests.at(-1)?.sent, MODEL.length - kept);
  });

  it('starts over cleanly when the source ignores the Range and sends the whole file', async () => {
    writeFileSync(part(), MODEL.subarray(0, 700_000));
    behaviour.ignoreRange = true;
    const path = await downloadModel(ENTRY, { dir: dir.path, source });
    assert.ok(readFileSync(path).equals(MODEL));
    assert.equal(requests[0]?.range, 'bytes=700000-');
  });

  it('checks a part that already holds the whole file without downloading it again', async () => {
    writeFileSync(part(), MODEL);
    const path = await downloadModel(ENTRY, { dir: dir.path, source });
    assert.ok(readFileSync(path).equals(MODEL));
    assert.equal(requests[0]?.sent, 0);
  });

  it('deletes a file whose SHA-1 is not the published one, and installs nothing', async () => {
    behaviour.body = Buffer.from(MODEL);
    behaviour.body[12345] ^= 0xff;
    const failed = await downloadModel(ENTRY, { dir: dir.path, source }).catch((error: unknown) => error);
    assert.ok(failed instanceof DownloadError && failed.kind === 'checksum', String(failed));
    assert.match(failed.message, new RegExp(`expected ${ENTRY.sha1}.*deleted|deleted.*expected ${ENTRY.sha1}`, 's'));
    assert.equal(existsSync(part()), false);
    assert.equal(existsSync(target()), false);
    assert.equal(new SpeechModels(dir.path, [ENTRY]).preferred(), undefined);
  });

  it('stops at once when cancelled, keeps what arrived, and the next download resumes from it', async () => {
    behaviour.slow = { chunk: 32 * 1024, pauseMs: 5 };
    const controller = new AbortController();
    const progress: DownloadProgress[] = [];
    const failed = await downloadModel(ENTRY, {
      dir: dir.path,
      source,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.received > 400_000) controller.abort();
      },
    }).catch((error: unknown) => error);
    assert.ok(failed instanceof DownloadError && failed.kind === 'cancelled', String(failed));
    assert.match(failed.message, /cancelled; the .* MiB that arrived are kept/);
    const kept = statSync(part()).size;
    assert.ok(kept > 400_000 && kept < MODEL.length, `kept ${kept}`);
    behaviour.slow = undefined;
    const path = await downloadModel(ENTRY, { dir: dir.path, source });
    assert.ok(readFileSync(path).equals(MODEL));
    assert.equal(requests.at(-1)?.range, `bytes=${kept}-`);
  });

  it('treats a source that stops sending as a dropped connection', async () => {
    behaviour.stall = true;
    const failed = await downloadModel(ENTRY, { dir: dir.path, source, resumes: 0, idleMs: 300 }).catch((error: unknown) => error);
    assert.ok(failed instanceof DownloadError && failed.kind === 'interrupted', String(failed));
    assert.match(failed.message, /nothing arrived for 0\.3 s/);
  });

  it('says which address answered what when the source has no such file', async () => {
    behaviour.status = 404;
    const failed = await downloadModel(ENTRY, { dir: dir.path, source }).catch((error: unknown) => error);
    assert.ok(failed instanceof DownloadError && failed.kind === 'source', String(failed));
    assert.match(failed.message, new RegExp(`answered 404 Not Found for ${source}/${ENTRY.file}.*parley\\.speechModels\\.source`));
    assert.equal(requests.length, 1, 'a 404 is not retried');
  });

  it('refuses a second download of the same model while the first runs', async () => {
    behaviour.slow = { chunk: 64 * 1024, pauseMs: 5 };
    const first = downloadModel(ENTRY, { dir: dir.path, source });
    const second = await downloadModel(ENTRY, { dir: dir.path, source }).catch((error: unknown) => error);
    assert.ok(second instanceof DownloadError && second.kind === 'busy', String(second));
    assert.ok(readFileSync(await first).equals(MODEL));
  });
});

describe('the speech model catalog', () => {
  it('names each model with the SHA-1 whisper.cpp publishes (40 hex digits) and a distinct file', () => {
    for (const entry of SPEECH_MODELS) assert.match(entry.sha1, /^[0-9a-f]{40}$/, entry.name);
    assert.equal(new Set(SPEECH_MODELS.map((entry) => entry.file)).size, SPEECH_MODELS.length);
    assert.deepEqual(
      SPEECH_MODELS.map((entry) => entry.file),
      SPEECH_MODELS.map((entry) => `ggml-${entry.name}.bin`),
    );
  });

  it('prefers the model named, else the one downloaded last; none before a download', () => {
    const dir = tempDir('speech-models');
    try {
      const models = new SpeechModels(dir.path);
      assert.equal(models.preferred(), undefined);
      writeFileSync(join(dir.path, 'ggml-tiny.en.bin'), 'a');
      writeFileSync(join(dir.path, 'ggml-base.en.bin.part'), 'half');
      assert.equal(models.preferred()?.entry.name, 'tiny.en', 'a part file is not a model');
      writeFileSync(join(dir.path, 'ggml-base.en.bin'), 'b');
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(dir.path, 'ggml-base.en.bin'), later, later);
      assert.equal(models.preferred()?.entry.name, 'base.en');
      assert.equal(models.preferred('tiny.en')?.entry.name, 'tiny.en');
      assert.equal(models.preferred('small.en'), undefined);
      assert.equal(new SpeechModels().preferred(), undefined, 'no folder yet, no model');
    } finally {
      dir.cleanup();
    }
  });
});
