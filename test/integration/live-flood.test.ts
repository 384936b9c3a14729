/**
 * A client flooding the live WebSocket with typed turns: 300 `say` frames at 120 a second, within
 * the frame rate. The server takes a few turns, refuses the rest with a notice each (none is
 * dropped unanswered), and asks the model only for the turns it took.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { ServerFrame } from '../../protocol/live';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { connectLive, type LiveClient } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';

const SAYS = 300;
const SAYS_PER_SECOND = 120;
/** What the flood may cost at most: the turns the rate lets through in its 2.5 s, and no more. */
const MAX_MODEL_REQUESTS = 10;

const userTurns = (frames: ServerFrame[]) => frames.filter((frame) => frame.type === 'turn' && frame.turn.role === 'user').length;
const refusals = (frames: ServerFrame[]) =>
  frames.flatMap((frame) => (frame.type === 'notice' && frame.level === 'error' && /was not sent/.test(frame.message) ? [frame.message] : []));
const finishedAnswers = (frames: ServerFrame[]) => frames.filter((frame) => frame.type === 'answering' && !frame.active).length;

/** Sends `count` frames at `perSecond`, each due one interval after the previous was due. */
async function flood(socket: WebSocket, count: number, perSecond: number, frame: (index: number) => object): Promise<void> {
  const start = performance.now();
  for (let index = 0; index < count; index++) {
    socket.send(JSON.stringify(frame(index)));
    await delay(Math.max(0, start + ((index + 1) * 1000) / perSecond - performance.now()));
  }
}

describe('a flood of typed turns', { timeout: 120_000 }, () => {
  const dir = tempDir('live-flood');
  let model: OpenAIStandIn;
  let server: TestServer;
  let flooder: LiveClient;
  const chatRequests = () => model.requests.filter((request) => request.path === '/v1/chat/completions').length;

  before(async () => {
    model = await startOpenAIStandIn({ latency: { ttfbMs: 20, interTokenMs: 2 } });
    server = await startServer({
      storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') },
      settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: model.baseURL } },
    });
  });
  after(async () => {
    flooder?.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('takes a few turns, refuses the rest with a notice each, and asks the model a bounded number of times', async (t) => {
    flooder = await connectLive(server);
    // Another panel on the same conversation sees the turns taken, but not the flooder's refusals.
    const bystander = await connectLive(server);
    const { socket, frames } = flooder;
    await flood(socket, SAYS, SAYS_PER_SECOND, (index) => ({ type: 'say', text: `message ${index}` }));
    // Every say became a turn or was refused, and every turn taken has finished.
    await waitFor(() => userTurns(frames) + refusals(frames).length === SAYS && finishedAnswers(frames) >= userTurns(frames), {
      timeoutMs: 60_000,
      what: 'every say to be taken or refused',
    });
    const requests = chatRequests();
    t.diagnostic(`${requests} model requests; ${userTurns(frames)} turns taken, ${refusals(frames).length} refused of ${SAYS}`);
    assert.ok(requests <= MAX_MODEL_REQUESTS, `${requests} model requests for ${userTurns(frames)} turns taken of ${SAYS}`);
    assert.ok(userTurns(frames) >= 1, 'the first turns are taken');
    assert.match(refusals(frames)[0]!, /"message \d+"/, 'the refusal says which message was not sent');
    assert.equal(userTurns(bystander.frames), userTurns(frames), 'every panel shows the turns taken');
    assert.deepEqual(refusals(bystander.frames), [], 'only the panel that sent a refused turn is told');
    bystander.socket.close();
    assert.ok(
      server.logs.some((line) => line.includes('Refused a typed turn')),
      'refusals are logged',
    );
  });

  it('takes a turn again once the flood is over, on the same connection', async () => {
    const { socket, frames } = flooder;
    model.chat.push({ text: 'Back to normal.' });
    const answered = await waitFor(
      async () => {
        const seen = frames.length;
        socket.send(JSON.stringify({ type: 'say', text: 'are you there?' }));
        await waitFor(
          () =>
            frames.slice(seen).some((frame) => (frame.type === 'turn' && frame.turn.role === 'user') || (frame.type === 'notice' && frame.level === 'error')),
          { what: 'the say to be taken or refused' },
        );
        return frames.slice(seen).some((frame) => frame.type === 'turn' && frame.turn.role === 'user');
      },
      { timeoutMs: 10_000, intervalMs: 250, what: 'a turn to be taken' },
    );
    assert.ok(answered);
    await waitFor(() => frames.some((frame) => frame.type === 'turn' && frame.turn.role === 'assistant' && frame.turn.text === 'Back to normal.'), {
      what: 'the answer',
    });
  });
});
