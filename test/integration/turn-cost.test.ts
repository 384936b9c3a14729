/**
 * The cost of an answer through the real server: the OpenAI SDK against the stand-in (which sends
 * usage when asked, as OpenAI does), two model rounds summed and priced at the default table, the
 * usage stored with the turn and the session's cost in the session list; the embedding tokens of
 * the answer's knowledge-base search, from the embeddings response's usage; and a session budget.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KbAddRequest } from '../../protocol/lsp';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { stderrLogger } from '../../server/log';
import { SessionStore } from '../../server/sessions/store';
import { openDatabase } from '../../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../../server/storage/migrations';
import { connectLive } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

/** A server keeping its storage in `dir` (g, w), answering with gpt-4.1-mini from the OpenAI stand-in at `baseUrl`. */
function openAIServer(dir: string, baseUrl: string, settings: Partial<ParleySettings> = {}): Promise<TestServer> {
  return startServer({
    storage: { globalStoragePath: join(dir, 'g'), workspaceStoragePath: join(dir, 'w') },
    env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' },
    settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai', model: 'gpt-4.1-mini', baseUrl }, ...settings },
  });
}

/** The sessions a stopped server kept in its workspace storage. */
function storedSessions(workspaceStorage: string) {
  const { db } = openDatabase({
    file: join(workspaceStorage, 'sessions.db'),
    migrations: SESSIONS_MIGRATIONS,
    nativeDir: '/nonexistent',
    log: stderrLogger('error'),
    label: 'test',
  });
  return { db, store: new SessionStore(db) };
}

describe('the cost of an answer', () => {
  const dir = tempDir('turn-cost');
  const workspace = join(dir.path, 'ws');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;

  before(async () => {
    mkdirSync(workspace, { recursive: true });
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    server = await openAIServer(dir.path, model.baseURL);
    server.editorState = { workspaceFolders: [workspace], openFiles: [], diagnostics: [] };
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('sums the rounds of an answer, prices them, and keeps it with the turn and the session', async () => {
    model.chat.push({ toolCalls: [{ name: 'list_problems', input: {} }], usage: { inputTokens: 1000, outputTokens: 50 } });
    model.chat.push({ text: 'No problems reported.', usage: { inputTokens: 2000, outputTokens: 100 } });
    const { socket, frames } = await connectLive(server);
    socket.send(JSON.stringify({ type: 'say', text: 'any problems?' }));
    const answer = await waitFor(() => frames.flatMap((frame) => (frame.type === 'turn' && frame.turn.role === 'assistant' ? [frame.turn] : []))[0], {
      what: 'the answer',
    });
    socket.close();
    // gpt-4.1-mini: $0.40 per million input tokens, $1.60 per million output tokens.
    const cost = (3000 * 0.4 + 150 * 1.6) / 1e6;
    assert.deepEqual(answer.usage, {
      provider: 'openai',
      model: 'gpt-4.1-mini',
      inputTokens: 3000,
      outputTokens: 150,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: cost,
    });
    await server.stop();
    const { db, store } = storedSessions(join(dir.path, 'w'));
    const [session] = store.list();
    assert.equal(session?.costUsd, cost);
    assert.deepEqual(store.turns(session!.id).at(-1)?.usage, answer.usage);
    db.close();
  });
});

describe('the cost of the embeddings an answer searched with', () => {
  const dir = tempDir('turn-embeddings');
  const workspace = join(dir.path, 'ws');
  const notes = join(dir.path, 'notes');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;

  before(async () => {
    mkdirSync(workspace, { recursive: true });
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'Deploy.md'), '# Deploy\n\nBuild the image with docker build, then push it to the registry.\n');
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 }, embeddingDimensions: 1536 });
    server = await openAIServer(dir.path, model.baseURL, { embeddings: { ...DEFAULT_SETTINGS.embeddings, provider: 'openai', baseUrl: model.baseURL } });
    server.editorState = { workspaceFolders: [workspace], openFiles: [], diagnostics: [] };
    await server.connection.sendRequest(KbAddRequest.type, { path: notes });
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('counts the tokens OpenAI reports for the search query, prices them, and adds them to the session', async () => {
    const query = 'how do we push images';
    model.chat.push({ toolCalls: [{ name: 'search_knowledge_base', input: { query } }], usage: { inputTokens: 1000, outputTokens: 20 } });
    model.chat.push({ text: 'Push it to the registry [1].', usage: { inputTokens: 1200, outputTokens: 10 } });
    const embeddingRequests = () => model.requests.filter((request) => request.path === '/v1/embeddings').length;
    const before = embeddingRequests();
    const { socket, frames } = await connectLive(server);
    socket.send(JSON.stringify({ type: 'say', text: 'How do we push images?' }));
    const answer = await waitFor(() => frames.flatMap((frame) => (frame.type === 'turn' && frame.turn.role === 'assistant' ? [frame.turn] : []))[0], {
      what: 'the answer',
    });
    socket.close();
    assert.equal(embeddingRequests(), before + 1, 'one embedding request: the query');
    // The stand-in reports a token per four characters, as its usage says.
    const tokens = Math.ceil(query.length / 4);
    const embeddingCost = (tokens * 0.02) / 1e6;
    assert.deepEqual(answer.embeddings, { provider: 'openai', model: 'text-embedding-3-small', tokens, costUsd: embeddingCost });
    const chatCost = (2200 * 0.4 + 30 * 1.6) / 1e6;
    await server.stop();
    const { db, store } = storedSessions(join(dir.path, 'w'));
    const [session] = store.list();
    assert.ok(Math.abs(session!.costUsd! - (chatCost + embeddingCost)) < 1e-12, `the session costs ${session!.costUsd}`);
    assert.deepEqual(store.turns(session!.id).at(-1)?.embeddings, answer.embeddings);
    db.close();
  });
});

describe('a session budget', () => {
  const dir = tempDir('turn-budget');
  const workspace = join(dir.path, 'ws');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;
  // gpt-4.1-mini: each answer of 1000 tokens in and 100 out costs $0.00056.
  const answerCost = (1000 * 0.4 + 100 * 1.6) / 1e6;

  before(async () => {
    mkdirSync(workspace, { recursive: true });
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    server = await openAIServer(dir.path, model.baseURL, { sessions: { ...DEFAULT_SETTINGS.sessions, budgetUsd: 0.0014 } });
    server.editorState = { workspaceFolders: [workspace], openFiles: [], diagnostics: [] };
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('shows the cost against the budget, warns once at 80% and once when it is passed, and goes on answering', async () => {
    const { socket, frames } = await connectLive(server);
    const costs = () => frames.flatMap((frame) => (frame.type === 'sessionCost' ? [frame] : []));
    const warnings = () => frames.flatMap((frame) => (frame.type === 'notice' && /budget/.test(frame.message) ? [frame.message] : []));
    await waitFor(() => costs()[0], { what: 'the cost on connect' });
    assert.deepEqual(costs()[0], { type: 'sessionCost', costUsd: null, budgetUsd: 0.0014 });
    for (let answer = 1; answer <= 4; answer++) {
      model.chat.push({ text: `Answer ${answer}.`, usage: { inputTokens: 1000, outputTokens: 100 } });
      socket.send(JSON.stringify({ type: 'say', text: `question ${answer}` }));
      await waitFor(() => costs().find((frame) => frame.costUsd !== null && Math.abs(frame.costUsd - answer * answerCost) < 1e-12), {
        what: `the cost after answer ${answer}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    socket.close();
    // $0.00112 is 80% of $0.0014 (answer 2); $0.00168 passes it (answer 3); answer 4 warns no more.
    assert.deepEqual(warnings(), [
      'This session has cost $0.0011, 80% of its budget of $0.0014 (parley.sessions.budgetUsd).',
      'This session has cost $0.0017, over its budget of $0.0014 (parley.sessions.budgetUsd). Parley goes on answering; start a new session or raise the budget.',
    ]);
    assert.equal(frames.filter((frame) => frame.type === 'turn' && frame.turn.role === 'assistant').length, 4);
  });
});
