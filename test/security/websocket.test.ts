/**
 * The live WebSocket: only a client with the per-launch token, from a webview or loopback page, on
 * 127.0.0.1, gets in; a connected client that sends something malformed, oversized or too much is
 * closed with a code that says why. Driven against the built server's own endpoint; after every
 * hostile client a new legitimate one is still greeted, and a bystander connected all along is
 * still answered.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { LIVE_BURST_FRAMES, LIVE_MAX_FRAME_BYTES, LiveClose, liveUrl, type ServerFrame } from '../../protocol/live';
import { LiveEndpointRequest, LiveRemoteOriginNotification, StatusRequest, type LiveEndpoint } from '../../protocol/lsp';
import { serverFrame } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';

interface Client {
  socket: WebSocket;
  frames: ServerFrame[];
  /** The close code, once the server closed the connection. */
  closed: Promise<number>;
}

type Handshake = { opened: true; client: Client } | { opened: false; status: number };

/** Opens a WebSocket and reports whether the server upgraded it or answered with an HTTP status. */
function handshake(url: string, origin?: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin ? { origin } : {});
    const frames: ServerFrame[] = [];
    const closed = new Promise<number>((resolveClose) => socket.once('close', (code) => resolveClose(code)));
    socket.on('message', (data, isBinary) => void (isBinary || frames.push(serverFrame(data as Buffer))));
    socket.once('open', () => resolve({ opened: true, client: { socket, frames, closed } }));
    socket.once('unexpected-response', (request, response) => {
      resolve({ opened: false, status: response.statusCode ?? 0 });
      request.destroy();
    });
    // A server that closes while the client is still writing an oversize frame can reset the socket; the close code still arrives.
    socket.on('error', (error) => (socket.readyState === WebSocket.CONNECTING ? reject(error) : undefined));
  });
}

async function open(url: string): Promise<Client> {
  const outcome = await handshake(url);
  assert.ok(outcome.opened, 'the connection with the token opens');
  return outcome.client;
}

/** Whether a TCP connection to host:port is accepted (an address that drops the attempt counts as refusing). */
function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: 5_000 });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The machine's addresses other than 127.0.0.1 (other interfaces, IPv6 loopback, with a scope
 * where one is needed), and 127.0.0.2, the rest of the loopback network on Linux.
 */
function otherAddresses(): string[] {
  const interfaces = Object.entries(networkInterfaces()).flatMap(([name, addresses]) =>
    (addresses ?? [])
      .filter((a) => a.address !== '127.0.0.1')
      .map((a) => (a.family === 'IPv6' && a.address.startsWith('fe80:') ? `${a.address}%${name}` : a.address)),
  );
  return ['127.0.0.2', ...interfaces];
}

describe('live WebSocket', { timeout: 120_000 }, () => {
  const dir = tempDir('security-live');
  let server: TestServer;
  let endpoint: LiveEndpoint;
  let bystander: Client;

  before(async () => {
    server = await startServer({ storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') } });
    endpoint = await server.connection.sendRequest(LiveEndpointRequest.type);
    bystander = await open(liveUrl(endpoint));
  });
  after(async () => {
    bystander.socket.close();
    await server.stop();
    dir.cleanup();
  });

  /** The server still answers over stdio, greets a new client with the token, and still answers the bystander. */
  async function assertServerUnharmed(): Promise<void> {
    assert.equal(server.process.exitCode, null, 'the server exited');
    assert.ok((await server.connection.sendRequest(StatusRequest.type)).versions.sqlite);
    const fresh = await open(liveUrl(endpoint));
    const hello = await waitFor(() => fresh.frames.find((frame) => frame.type === 'hello'), { what: 'a hello frame' });
    assert.ok(hello.type === 'hello' && hello.status.health === 'ready' && hello.report.versions.fts5);
    fresh.socket.close();
    const id = Math.floor(Math.random() * 1e9);
    bystander.socket.send(JSON.stringify({ type: 'ping', id }));
    await waitFor(() => bystander.frames.find((frame) => frame.type === 'pong' && frame.id === id), { what: "the bystander's pong" });
  }

  /** A connection with the token that sends `send` and must be closed with `code`. */
  async function assertClosedWith(code: number, send: (socket: WebSocket) => void): Promise<void> {
    const client = await open(liveUrl(endpoint));
    await waitFor(() => client.frames.find((frame) => frame.type === 'hello'), { what: 'a hello frame' });
    send(client.socket);
    assert.equal(await client.closed, code);
  }

  it('a handshake without the token → refused with HTTP 401; the server still greets a client with it', async () => {
    assert.deepEqual(await handshake(endpoint.url), { opened: false, status: 401 });
    assert.deepEqual(await handshake(`${endpoint.url}?token=`), { opened: false, status: 401 });
    await assertServerUnharmed();
  });

  it('a handshake with a wrong token (another one, the token cut short, the token with a character more) → refused with HTTP 401', async () => {
    for (const token of ['not-the-token', endpoint.token.slice(0, -1), `${endpoint.token}x`]) {
      assert.deepEqual(await handshake(liveUrl({ ...endpoint, token })), { opened: false, status: 401 }, token);
    }
    await assertServerUnharmed();
  });

  it('a handshake with the token from a foreign Origin (https://evil.example, a look-alike of 127.0.0.1, "null") → refused with HTTP 403', async () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', 'null']) {
      assert.deepEqual(await handshake(liveUrl(endpoint), origin), { opened: false, status: 403 }, origin);
    }
    await assertServerUnharmed();
  });

  it("a remote window's origin: unannounced, then announced by the extension, then announced malformed (javascript:, with a path, not an origin) → 403 until announced, accepted after; the malformed ones change nothing", async () => {
    const remote = 'http://dev.example.test:8080';
    assert.deepEqual(await handshake(liveUrl(endpoint), remote), { opened: false, status: 403 });
    for (const origin of ['javascript:alert(1)', 'https://evil.example/path', 'evil.example', 42]) {
      await server.connection.sendNotification(LiveRemoteOriginNotification.method, { origin });
    }
    await assertServerUnharmed();
    assert.deepEqual(await handshake(liveUrl(endpoint), 'https://evil.example'), { opened: false, status: 403 });
    await server.connection.sendNotification(LiveRemoteOriginNotification.method, { origin: remote });
    await waitFor(async () => (await handshake(liveUrl(endpoint), remote)).opened, { what: 'the announced origin to be accepted' });
    assert.deepEqual(await handshake(liveUrl(endpoint), 'https://evil.example'), { opened: false, status: 403 });
  });

  it("a connection to the live port on any address but 127.0.0.1 (127.0.0.2, ::1, the machine's other interfaces) → the endpoint is 127.0.0.1 and nothing else accepts", async () => {
    const url = new URL(endpoint.url);
    assert.equal(url.hostname, '127.0.0.1');
    const port = Number(url.port);
    assert.equal(await tcpAccepts('127.0.0.1', port), true, 'the live port accepts on 127.0.0.1');
    const others = otherAddresses();
    const accepted = [];
    for (const address of others) if (await tcpAccepts(address, port)) accepted.push(address);
    assert.deepEqual(accepted, [], `the live port accepted connections on ${accepted.join(', ')}`);
    await assertServerUnharmed();
  });

  it(`a frame over the size cap (${LIVE_MAX_FRAME_BYTES / 1024} KB) → closed with 1009`, async () => {
    await assertClosedWith(LiveClose.tooBig, (socket) => socket.send(JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(LIVE_MAX_FRAME_BYTES) })));
    await assertServerUnharmed();
  });

  it('a text frame of malformed JSON → closed with 1003', async () => {
    await assertClosedWith(LiveClose.unsupportedData, (socket) => socket.send('{"type": "ping", "id": '));
    await assertServerUnharmed();
  });

  it('a JSON frame of an unknown type → closed with 1003', async () => {
    await assertClosedWith(LiveClose.unsupportedData, (socket) => socket.send(JSON.stringify({ type: 'exec', command: 'rm -rf /' })));
    await assertServerUnharmed();
  });

  it('a binary frame when no capture is open → closed with 1003', async () => {
    await assertClosedWith(LiveClose.unsupportedData, (socket) => socket.send(Buffer.alloc(3200)));
    await assertServerUnharmed();
  });

  it(`a flood of frames above the rate limit (${LIVE_BURST_FRAMES * 5} pings at once) → closed with 1008`, async () => {
    await assertClosedWith(LiveClose.policyViolation, (socket) => {
      for (let id = 0; id < LIVE_BURST_FRAMES * 5; id++) socket.send(JSON.stringify({ type: 'ping', id }));
    });
    await assertServerUnharmed();
  });
});
