import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { liveUrl } from '../../protocol/live';
import { newToken, originAllowed, tokenMatches } from '../../server/live/access';
import { readServerFrame } from '../../protocol/serverFrames';
import { parseClientFrame } from '../../server/live/frames';
import { TokenBucket } from '../../server/live/rateLimit';
import { LiveServer } from '../../server/live/server';
import { createLogger } from '../../server/log';
import { waitFor } from '../support/poll';

describe('live access', () => {
  it('makes unguessable tokens and compares them exactly', () => {
    const token = newToken();
    assert.ok(token.length >= 40);
    assert.notEqual(token, newToken());
    assert.equal(tokenMatches(token, token), true);
    assert.equal(tokenMatches(token, token.slice(1)), false);
    assert.equal(tokenMatches(token, null), false);
  });

  it('allows webviews and loopback pages, refuses everything else', () => {
    assert.equal(originAllowed('vscode-webview://1abc'), true);
    assert.equal(originAllowed('http://127.0.0.1:8080'), true);
    assert.equal(originAllowed('http://localhost:3000'), true);
    assert.equal(originAllowed('https://evil.example'), false);
    assert.equal(originAllowed('http://127.0.0.1.evil.example'), false);
    assert.equal(originAllowed('null'), false);
    assert.equal(originAllowed('https://code.example.com', ['https://code.example.com']), true);
    assert.equal(originAllowed(undefined), true, 'non-browser clients send no Origin; the token decides');
  });
});

describe('client frames', () => {
  it('accepts the known frames and names what is wrong with the rest', () => {
    assert.deepEqual(parseClientFrame('{"type":"ping","id":3}'), { ok: true, frame: { type: 'ping', id: 3 } });
    assert.deepEqual(parseClientFrame('{"type":"refresh","extra":1}'), { ok: true, frame: { type: 'refresh' } });
    assert.deepEqual(parseClientFrame('{"type":"ping","id":"3"}'), { ok: false, error: 'ping: id: Invalid input: expected number, received string' });
    assert.deepEqual(parseClientFrame('{"type":"capture","action":"start","source":"mic"}'), {
      ok: false,
      error: 'capture: source: Invalid option: expected one of "webview"|"native"',
    });
    assert.deepEqual(parseClientFrame(JSON.stringify({ type: 'say', text: ' ' })), { ok: false, error: 'say: text: is empty' });
    assert.deepEqual(parseClientFrame('{"type":"say","text":"hi","spoken":"yes"}'), {
      ok: false,
      error: 'say: spoken: Invalid input: expected boolean, received string',
    });
    assert.deepEqual(parseClientFrame('{"type":"exec","command":"rm -rf /"}'), { ok: false, error: 'unknown frame type "exec"' });
    assert.deepEqual(parseClientFrame('[1,2'), { ok: false, error: 'malformed JSON' });
    assert.deepEqual(parseClientFrame('7'), { ok: false, error: 'frame is not an object' });
    const unknown = parseClientFrame(JSON.stringify({ type: 'x'.repeat(500) }));
    assert.ok(!unknown.ok && unknown.error.length <= 120, 'close reasons stay within the WebSocket limit');
  });
});

describe('token bucket', () => {
  it('allows a burst, then the steady rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    now += 100;
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
    now += 10_000;
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'never more than the burst');
  });
});

describe('server frames, as a webview reads them', () => {
  const turn = { role: 'assistant', text: 'Hi.', interrupted: false, toolCalls: [], createdAt: 1, id: 7, sessionId: 's' };
  const unreadable = (frame: ReturnType<typeof readServerFrame>) => (frame.type === 'notice' && frame.level === 'error' ? frame.message : undefined);

  it('reads each kind of frame, including the ones that share a type', () => {
    for (const frame of [
      { type: 'turn', turn },
      { type: 'playback', action: 'stop' },
      { type: 'playback', action: 'start', answer: 3 },
      { type: 'capture', state: 'listening', source: 'native', device: 'default' },
      { type: 'capture', state: 'stopped' },
      { type: 'runEnd', id: 'a1', outcome: 'timeout', exitCode: null, signal: 'SIGKILL', ms: 10_004 },
    ])
      assert.deepEqual(readServerFrame(JSON.stringify(frame)), frame);
  });

  it('turns a frame it cannot read into an error notice that names the frame and the field', () => {
    const badMetrics = unreadable(readServerFrame(JSON.stringify({ type: 'turn', turn: { ...turn, metrics: { llmTtftMs: 'fast' } } })));
    assert.match(badMetrics ?? '', /could not read a message from the Parley server \(a "turn" frame at turn\.metrics\.llmTtftMs/);
    assert.match(unreadable(readServerFrame('{"type":"playback","action":"start"}')) ?? '', /a "playback" frame at answer/);
    assert.match(unreadable(readServerFrame('{"type":"teleport"}')) ?? '', /a "teleport" frame at type/);
    assert.match(unreadable(readServerFrame('[1,2')) ?? '', /it is not JSON/);
    assert.match(unreadable(readServerFrame('42')) ?? '', /an? "untyped" frame/);
  });
});

describe('panels among the live connections', () => {
  it('counts every connection but the capture page, which cannot show a card', async () => {
    const server = await LiveServer.start({ log: createLogger(() => undefined) });
    const open = (origin?: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(liveUrl({ url: server.url, token: server.token }), origin ? { origin } : {});
        socket.once('open', () => resolve(socket)).once('error', reject);
      });
    try {
      const capturePage = await open(`http://127.0.0.1:${server.port}`);
      await open(`http://localhost:${server.port}`);
      assert.equal(server.clientCount, 2);
      assert.equal(server.panelCount, 0, 'the capture page, by either loopback name, is no panel');
      await open('vscode-webview://1abc');
      await open();
      assert.equal(server.panelCount, 2, 'a webview and a client without an origin are panels');
      capturePage.close();
      await waitFor(() => server.clientCount === 3, { what: 'the capture page to close' });
      assert.equal(server.panelCount, 2);
    } finally {
      await server.close();
    }
  });
});
