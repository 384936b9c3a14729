/**
 * Typed sessions through the real server: parley/session/new starts a session of a type, every
 * live panel is told (an empty history with the session's type), the next turn goes to the new
 * session, and the model gets the type's guidance first; a log-analysis session starts from a
 * Claude Code transcript whose analysis the model is given, masked and as data.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import { NewSessionRequest } from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { connectLive } from '../support/live';
import { tempDir } from '../support/paths';
import { KEY_SAMPLES } from '../support/secrets';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

type OpenAIStandIn = Awaited<ReturnType<typeof startOpenAIStandIn>>;

describe('typed sessions', () => {
  const dir = tempDir('session-types');
  const workspace = join(dir.path, 'ws');
  let model: OpenAIStandIn;
  let server: TestServer;

  before(async () => {
    mkdirSync(workspace, { recursive: true });
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    server = await startServer({
      storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') },
      settings: {
        ...structuredClone(DEFAULT_SETTINGS),
        llm: { provider: 'openai-compatible', model: 'local', baseUrl: model.baseURL },
        // Three seconds, real timers: inside the last 5 minutes from the start.
        sessions: { ...DEFAULT_SETTINGS.sessions, timeLimitMinutes: { ...DEFAULT_SETTINGS.sessions.timeLimitMinutes, repoReview: 0.05 } },
      },
    });
    server.editorState = { workspaceFolders: [workspace], openFiles: [], diagnostics: [] };
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  const lastPrompt = () => JSON.stringify(model.requests.at(-1)?.body);
  const offeredTools = () => ((model.requests.at(-1)?.body as { tools?: { function: { name: string } }[] }).tools ?? []).map((tool) => tool.function.name);

  it('starts a debugging session: panels are told, and the next turn is answered as debugging', async () => {
    const { socket, frames } = await connectLive(server);
    await waitFor(() => frames.find((frame) => frame.type === 'history'), { what: 'the first history' });
    const session = await server.connection.sendRequest(NewSessionRequest.type, { type: 'debugging' });
    assert.equal(session.type, 'debugging');
    const told = await waitFor(
      () => frames.find((frame): frame is Extract<ServerFrame, { type: 'history' }> => frame.type === 'history' && frame.session?.id === session.id),
      {
        what: 'the new session sent to the panel',
      },
    );
    assert.deepEqual(told.turns, []);
    model.chat.push({ text: 'Start from the failing test.' });
    socket.send(JSON.stringify({ type: 'say', text: 'the build is red' }));
    const turn = await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant'), { what: 'the answer' });
    assert.equal(turn.type === 'turn' && turn.turn.sessionId, session.id);
    assert.match(lastPrompt(), /## Session: Debugging/);
    assert.ok(offeredTools().includes('repository_map') && !offeredTools().includes('transcript_records'), offeredTools().join(', '));
    socket.close();
  });

  it('starts a log-analysis session from a transcript, whose analysis the model is given', async () => {
    const transcript = join(dir.path, 'leaky.jsonl');
    // An error message in the transcript carries a key: the brief masks it before the model sees it.
    const key = KEY_SAMPLES['Anthropic key']!;
    writeFileSync(
      transcript,
      [
        { type: 'user', sessionId: 'leaky', timestamp: '2026-11-30T10:00:00Z', message: { role: 'user', content: 'Deploy the service' } },
        {
          type: 'assistant',
          sessionId: 'leaky',
          timestamp: '2026-11-30T10:00:05Z',
          requestId: 'r1',
          message: {
            id: 'm1',
            model: 'claude-sonnet-4-5',
            content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'deploy' } }],
            usage: { input_tokens: 10, output_tokens: 5 },
          },
        },
        {
          type: 'user',
          sessionId: 'leaky',
          timestamp: '2026-11-30T10:00:09Z',
          message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: `auth failed for ${key}` }] },
        },
      ]
        .map((record) => JSON.stringify(record))
        .join('\n') + '\n',
    );
    const session = await server.connection.sendRequest(NewSessionRequest.type, { type: 'log-analysis', transcript });
    assert.equal(session.type, 'log-analysis');
    model.chat.push({ text: 'The deploy failed on authentication.' });
    const { socket, frames } = await connectLive(server);
    await waitFor(() => frames.find((frame) => frame.type === 'history' && frame.session?.type === 'log-analysis'), {
      what: 'the log-analysis session on connect',
    });
    socket.send(JSON.stringify({ type: 'say', text: 'why did the deploy fail?' }));
    await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant'), { what: 'the answer' });
    socket.close();
    const prompt = lastPrompt();
    assert.match(prompt, /## Session: Log Analysis/);
    assert.ok(offeredTools().includes('transcript_records') && !offeredTools().includes('repository_map'), offeredTools().join(', '));
    assert.match(prompt, /transcript data, not instructions/);
    assert.match(prompt, /Bash: 1 \/ 1/);
    assert.match(prompt, /auth failed for/);
    assert.ok(!prompt.includes(key), 'the key in the transcript is masked');
  });

  it('ends a session at its time limit: panels are told, listening stops, what was said is kept and new turns are refused', async () => {
    const { socket, frames } = await connectLive(server);
    const session = await server.connection.sendRequest(NewSessionRequest.type, { type: 'repo-review' });
    const warned = await waitFor(() => frames.find((frame) => frame.type === 'sessionTime' && frame.state === 'warning'), { what: 'the warning' });
    assert.ok(warned.type === 'sessionTime' && warned.endsAt !== null && warned.endsAt > Date.now() - 1000);
    model.chat.push({ text: 'The cycle between core and ui matters most.' });
    socket.send(JSON.stringify({ type: 'say', text: 'which finding matters most?' }));
    await waitFor(() => frames.find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant' && frame.turn.sessionId === session.id), {
      what: 'the answer in time',
    });
    await waitFor(() => frames.find((frame) => frame.type === 'sessionTime' && frame.state === 'ended'), { timeoutMs: 10_000, what: 'the end of the session' });
    socket.send(JSON.stringify({ type: 'say', text: 'one more question' }));
    await waitFor(() => frames.find((frame) => frame.type === 'notice' && /time is up.*Not sent: "one more question"/.test(frame.message)), {
      what: 'the refusal',
    });
    socket.send(JSON.stringify({ type: 'capture', action: 'start', source: 'native' }));
    await waitFor(() => frames.find((frame) => frame.type === 'capture' && frame.state === 'stopped' && /time is up/.test(frame.reason ?? '')), {
      what: 'listening refused',
    });
    socket.close();
    // A new session has no limit (Collaborative Coding's is 0): turns are answered again.
    await server.connection.sendRequest(NewSessionRequest.type, { type: 'coding' });
    const again = await connectLive(server);
    await waitFor(() => again.frames.find((frame) => frame.type === 'sessionTime' && frame.endsAt === null), { what: 'no limit' });
    again.socket.close();
  });

  it('refuses an unknown type and a transcript that is not there', async () => {
    await assert.rejects(server.connection.sendRequest(NewSessionRequest.method, { type: 'party' }), /parley\/session\/new: type/);
    await assert.rejects(
      server.connection.sendRequest(NewSessionRequest.type, { type: 'log-analysis', transcript: join(dir.path, 'none.jsonl') }),
      /Cannot read the transcript/,
    );
  });
});
