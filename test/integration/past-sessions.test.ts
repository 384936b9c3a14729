/**
 * Past sessions through the real server, as the Sessions view and the panel use them: the list
 * (type, title, span, cost; the one in progress), the notification that makes the view read it
 * again, full-text search, opening one to go on in it (its history to every panel, its time limit
 * counting on from what it had taken), switching its type from the panel, export as Markdown and
 * as JSON that validates, and delete (refused for the session in progress).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import {
  NewSessionRequest,
  SessionsChangedNotification,
  SessionsDeleteRequest,
  SessionsExportRequest,
  SessionsListRequest,
  SessionsOpenRequest,
  SessionsSearchRequest,
} from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { SessionExportSchema } from '../../protocol/sessionExport';
import { connectLive, type LiveClient } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

type OpenAIStandIn = Awaited<ReturnType<typeof startOpenAIStandIn>>;
type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

describe('past sessions', () => {
  const dir = tempDir('past-sessions');
  const workspace = join(dir.path, 'ws');
  let model: OpenAIStandIn;
  let server: TestServer;
  let live: LiveClient;
  let changes = 0;
  let first: string;
  let second: string;

  before(async () => {
    mkdirSync(workspace, { recursive: true });
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    server = await startServer({
      storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') },
      settings: {
        ...structuredClone(DEFAULT_SETTINGS),
        llm: { provider: 'openai-compatible', model: 'local', baseUrl: model.baseURL },
        // Debugging sessions get 10 minutes.
        sessions: { ...DEFAULT_SETTINGS.sessions, timeLimitMinutes: { ...DEFAULT_SETTINGS.sessions.timeLimitMinutes, debugging: 10 } },
      },
    });
    server.editorState = { workspaceFolders: [workspace], openFiles: [], diagnostics: [] };
    server.connection.onNotification(SessionsChangedNotification.method, () => {
      changes++;
    });
    live = await connectLive(server);
  });
  after(async () => {
    live.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  const lastPrompt = () => JSON.stringify(model.requests.at(-1)?.body);

  let lastSaid = 0;
  /** Says `text` in the panel, paced under the live connection's limit of 2 messages a second. */
  async function ask(text: string, answer: string): Promise<Frame<'turn'>> {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastSaid + 600 - Date.now())));
    lastSaid = Date.now();
    model.chat.push({ text: answer });
    const seen = live.frames.length;
    live.socket.send(JSON.stringify({ type: 'say', text }));
    return waitFor(() => live.frames.slice(seen).find((frame): frame is Frame<'turn'> => frame.type === 'turn' && frame.turn.role === 'assistant'), {
      what: `the answer to "${text}"`,
    });
  }

  it('lists the sessions newest first with their type, title, turns and span, and says when they change', async () => {
    first = (await server.connection.sendRequest(NewSessionRequest.type, { type: 'coding' })).id;
    await ask('why does the tokenizer drop the last line of a file?', 'It stops at the final newline.');
    second = (await server.connection.sendRequest(NewSessionRequest.type, { type: 'debugging' })).id;
    await ask('the build is red after the upgrade', 'Start from the failing test.');
    const { sessions, current } = await server.connection.sendRequest(SessionsListRequest.type);
    assert.equal(current, second);
    const [newest, older] = sessions;
    assert.equal(newest?.id, second);
    assert.equal(newest.type, 'debugging');
    assert.equal(newest.title, 'the build is red after the upgrade');
    assert.equal(newest.turns, 2);
    assert.equal(older?.id, first);
    assert.equal(older.title, 'why does the tokenizer drop the last line of a file?');
    assert.ok(older.endedAt >= older.startedAt);
    await waitFor(() => changes >= 4 || undefined, { what: 'a change notification per session started and per turn' });
  });

  it('finds a turn of an older session by its words, in any order', async () => {
    const hits = await server.connection.sendRequest(SessionsSearchRequest.type, { text: 'last line tokenizer' });
    assert.equal(hits[0]?.sessionId, first);
    assert.match(hits[0].snippet, /«tokenizer»/);
    assert.deepEqual(await server.connection.sendRequest(SessionsSearchRequest.type, { text: 'tokenizer upgrade' }), []);
    assert.deepEqual(await server.connection.sendRequest(SessionsSearchRequest.type, { text: '"* OR' }), []);
  });

  it('opens an older session: every panel gets its history, and the next turn goes on in it', async () => {
    const seen = live.frames.length;
    const head = await server.connection.sendRequest(SessionsOpenRequest.type, { id: first });
    assert.equal(head.id, first);
    const history = await waitFor(
      () => live.frames.slice(seen).find((frame): frame is Frame<'history'> => frame.type === 'history' && frame.session?.id === first),
      { what: 'the older session sent to the panel' },
    );
    assert.deepEqual(
      history.turns.map((turn) => turn.text),
      ['why does the tokenizer drop the last line of a file?', 'It stops at the final newline.'],
    );
    // A Collaborative Coding session has no limit.
    await waitFor(() => live.frames.slice(seen).find((frame) => frame.type === 'sessionTime' && frame.endsAt === null), { what: 'no time limit' });
    const answer = await ask('and the first line?', 'That one is kept.');
    assert.equal(answer.turn.sessionId, first);
    assert.match(lastPrompt(), /tokenizer drop the last line/, 'the model is given the session so far');
    const { current } = await server.connection.sendRequest(SessionsListRequest.type);
    assert.equal(current, first);
  });

  it('switches the session type from the panel: the next turn gets the new type', async () => {
    const seen = live.frames.length;
    live.socket.send(JSON.stringify({ type: 'sessionType', sessionType: 'repo-review' }));
    const told = await waitFor(() => live.frames.slice(seen).find((frame): frame is Frame<'session'> => frame.type === 'session'), {
      what: 'the new type sent to the panel',
    });
    assert.deepEqual(told.session, { ...told.session, id: first, type: 'repo-review' });
    await ask('which module matters most?', 'The tokenizer.');
    assert.match(lastPrompt(), /## Session: Repo Review/);
    const { sessions } = await server.connection.sendRequest(SessionsListRequest.type);
    assert.equal(sessions.find((session) => session.id === first)?.type, 'repo-review');
  });

  it('counts a reopened session’s limit on from the time it had already taken', async () => {
    const seen = live.frames.length;
    await server.connection.sendRequest(SessionsOpenRequest.type, { id: second });
    const time = await waitFor(
      () => live.frames.slice(seen).find((frame): frame is Frame<'sessionTime'> => frame.type === 'sessionTime' && frame.endsAt !== null),
      { what: 'the time limit of the debugging session' },
    );
    const { sessions } = await server.connection.sendRequest(SessionsListRequest.type);
    const summary = sessions.find((session) => session.id === second)!;
    const left = time.endsAt! - Date.now();
    const expected = 10 * 60_000 - (summary.endedAt - summary.startedAt);
    assert.ok(Math.abs(left - expected) < 5_000, `${left} ms left, about ${expected} ms expected`);
    assert.equal(time.state, 'running');
  });

  it('exports a session as Markdown and as JSON in the documented shape', async () => {
    const markdown = await server.connection.sendRequest(SessionsExportRequest.type, { id: first, format: 'md' });
    assert.match(markdown.content, /^# Parley session/);
    assert.match(markdown.content, /why does the tokenizer drop the last line/);
    assert.equal(markdown.turns, 6, 'three questions and their answers');
    const json = await server.connection.sendRequest(SessionsExportRequest.type, { id: first, format: 'json' });
    const exported = SessionExportSchema.parse(JSON.parse(json.content));
    assert.equal(exported.session.id, first);
    assert.equal(exported.session.type, 'repo-review');
    assert.equal(exported.turns.length, 6);
    await assert.rejects(server.connection.sendRequest(SessionsExportRequest.type, { id: 'nope', format: 'md' }), /no session nope/);
    await assert.rejects(server.connection.sendRequest(SessionsExportRequest.method, { id: first, format: 'pdf' }), /parley\/sessions\/export: format/);
  });

  it('deletes a past session, and refuses the one in progress', async () => {
    await assert.rejects(server.connection.sendRequest(SessionsDeleteRequest.type, { id: second }), /session in progress/);
    await server.connection.sendRequest(SessionsDeleteRequest.type, { id: first });
    const { sessions } = await server.connection.sendRequest(SessionsListRequest.type);
    assert.ok(!sessions.some((session) => session.id === first));
    assert.deepEqual(await server.connection.sendRequest(SessionsSearchRequest.type, { text: 'tokenizer' }), []);
    await assert.rejects(server.connection.sendRequest(SessionsOpenRequest.type, { id: first }), /no session/);
    await assert.rejects(server.connection.sendRequest(SessionsDeleteRequest.type, { id: first }), /no session/);
  });
});
