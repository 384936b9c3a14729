/** The live WebSocket of a real server process: who gets in, and what closes a connection. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { LIVE_MAX_FRAME_BYTES, LiveClose, liveUrl, type ServerFrame } from '../../protocol/live';
import { LiveEndpointRequest, StatusRequest, type LiveEndpoint } from '../../protocol/lsp';
import { serverFrame } from '../support/live';
import { tempDir } from '../support/paths';
import { startServer, type TestServer } from '../support/server';

type Outcome = { opened: true; socket: WebSocket; frames: ServerFrame[] } | { opened: false; status: number };

function connect(url: string, origin?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin ? { origin } : {});
    const frames: ServerFrame[] = [];
    socket.on('message', (data) => frames.push(serverFrame(data as Buffer)));
    socket.once('open', () => resolve({ opened: true, socket, frames }));
    socket.once('unexpected-response', (_request, response) => resolve({ opened: false, status: response.statusCode ?? 0 }));
    socket.once('error', reject);
  });
}

async function open(url: string, origin?: string): Promise<{ socket: WebSocket; frames: ServerFrame[] }> {
  const outcome = await connect(url, origin);
  assert.ok(outcome.opened, 'the connection opens');
  return outcome;
}

function closeCode(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}

function nextFrame(socket: WebSocket, frames: ServerFrame[], type: ServerFrame['type']): Promise<ServerFrame> {
  const seen = frames.find((frame) => frame.type === type);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const listener = (data: Buffer) => {
      const frame = serverFrame(data as Buffer);
      if (frame.type !== type) return;
      socket.off('message', listener);
      resolve(frame);
    };
    socket.on('message', listener);
  });
}

describe('live WebSocket', () => {
  const dir = tempDir('live');
  let server: TestServer;
  let endpoint: LiveEndpoint;

  before(async () => {
    server = await startServer({ storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') } });
    endpoint = await server.connection.sendRequest(LiveEndpointRequest.type);
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
  });

  /** After every bad client, the server still answers and still accepts a good one. */
  async function assertServerUnharmed(): Promise<void> {
    const report = await server.connection.sendRequest(StatusRequest.type);
    assert.ok(report.versions.sqlite);
    const { socket, frames } = await open(liveUrl(endpoint));
    assert.equal((await nextFrame(socket, frames, 'hello')).type, 'hello');
    socket.close();
  }

  it('listens on 127.0.0.1 only', () => {
    assert.match(endpoint.url, /^ws:\/\/127\.0\.0\.1:\d+\/live$/);
  });

  it('greets a client with the token with the live report, and answers pings', async () => {
    const { socket, frames } = await open(liveUrl(endpoint), 'vscode-webview://4f1c2d');
    const hello = await nextFrame(socket, frames, 'hello');
    assert.ok(hello.type === 'hello' && hello.report.versions.fts5 === true && hello.status.health === 'ready');
    socket.send(JSON.stringify({ type: 'ping', id: 7 }));
    assert.deepEqual(await nextFrame(socket, frames, 'pong'), { type: 'pong', id: 7 });
    socket.close();
  });

  it('refuses a connection without a token, with a wrong token, and from a foreign origin', async () => {
    assert.deepEqual(await connect(endpoint.url), { opened: false, status: 401 });
    assert.deepEqual(await connect(liveUrl({ ...endpoint, token: 'not-the-token' })), { opened: false, status: 401 });
    assert.deepEqual(await connect(liveUrl(endpoint), 'https://evil.example'), { opened: false, status: 403 });
    await assertServerUnharmed();
  });

  it('closes on malformed JSON', async () => {
    const { socket } = await open(liveUrl(endpoint));
    const closed = closeCode(socket);
    socket.send('{"type": "ping", ');
    assert.equal(await closed, LiveClose.unsupportedData);
    await assertServerUnharmed();
  });

  it('closes on an unknown frame type', async () => {
    const { socket } = await open(liveUrl(endpoint));
    const closed = closeCode(socket);
    socket.send(JSON.stringify({ type: 'rm -rf', path: '/' }));
    assert.equal(await closed, LiveClose.unsupportedData);
    await assertServerUnharmed();
  });

  it('closes on binary junk', async () => {
    const { socket } = await open(liveUrl(endpoint));
    const closed = closeCode(socket);
    socket.send(Buffer.from([0xff, 0x00, 0x13, 0x37, 0xde, 0xad]));
    assert.equal(await closed, LiveClose.unsupportedData);
    await assertServerUnharmed();
  });

  it('closes on a frame over the size limit', async () => {
    const { socket } = await open(liveUrl(endpoint));
    const closed = closeCode(socket);
    socket.send(JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(LIVE_MAX_FRAME_BYTES + 10) }));
    assert.equal(await closed, LiveClose.tooBig);
    await assertServerUnharmed();
  });

  it('closes a connection that floods it with messages', async () => {
    const { socket } = await open(liveUrl(endpoint));
    const closed = closeCode(socket);
    for (let id = 0; id < 2000 && socket.readyState === WebSocket.OPEN; id++) socket.send(JSON.stringify({ type: 'ping', id }));
    assert.equal(await closed, LiveClose.policyViolation);
    await assertServerUnharmed();
  });
});
