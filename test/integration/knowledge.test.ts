/**
 * The knowledge base through the real server: folders added over LSP with work-done progress,
 * the sidebar's requests through the extension's relay over LSP, the folder watcher, malformed
 * requests, and the assistant's search_knowledge_base tool with the OpenAI-compatible stand-in as
 * the model.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KbPassage, KbSearchFilters, KbStats } from '../../protocol/knowledge';
import { CancellationTokenSource, ErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import {
  KbAddRequest,
  KbContributionsRequest,
  KbCorrectRequest,
  KbSearchRequest,
  KbSetVisibilityRequest,
  KbStatsNotification,
  KbStatsRequest,
  KbSyncRequest,
  KbVoteRequest,
} from '../../protocol/lsp';
import { connectLive, type LiveClient } from '../support/live';
import { REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startModelServer, type TestServer } from '../support/server';
import { sidebarOf, type Sidebar } from '../support/sidebar';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';

/** What the sidebar's search box asks as the user types. */
async function search(sidebar: Sidebar, query: string, filters?: KbSearchFilters): Promise<KbPassage[]> {
  return (await sidebar.rpc.sendRequest(KbSearchRequest.type, { query, k: 10, prefix: true, ...(filters ? { filters } : {}) })).passages;
}

describe('knowledge base in the server', () => {
  const dir = tempDir('kb-server');
  const vault = join(dir.path, 'vault');
  let model: OpenAIStandIn;
  let server: TestServer;
  let client: LiveClient;
  let sidebar: Sidebar;
  const figures: KbStats[] = [];

  before(async () => {
    mkdirSync(join(vault, 'ops'), { recursive: true });
    writeFileSync(join(vault, 'ops', 'Deploy.md'), '# Deploy\n\n## With Docker\n\nBuild the image with docker build, then push it to the registry. #ops\n');
    writeFileSync(join(vault, 'Cooking.md'), '# Cooking\n\nSlow simmered onion soup.\n');
    model = await startOpenAIStandIn({ latency: { ttfbMs: 10, interTokenMs: 1 } });
    server = await startModelServer(dir.path, model.baseURL);
    client = await connectLive(server);
    sidebar = sidebarOf(server);
    sidebar.rpc.onNotification(KbStatsNotification.type, (stats) => void figures.push(stats));
  });
  after(async () => {
    sidebar.dispose();
    client.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('adds a folder over LSP and tells the sidebar the new figures', async () => {
    const result = await server.connection.sendRequest(KbAddRequest.type, { path: vault });
    assert.equal(result.indexed, 2);
    const stats = await server.connection.sendRequest(KbStatsRequest.type);
    assert.equal(stats.documents, 2);
    assert.match(stats.embedder, /^builtin:.*:\d+$/);
    assert.ok(stats.sources[0]!.watching, 'the folder is watched');
    await waitFor(() => figures.some((stats) => stats.documents === 2), { what: 'the new figures in the sidebar' });
  });

  it('answers the sidebar: search, vote, correction, visibility', async () => {
    const [top] = await search(sidebar, 'push the docker image');
    assert.equal(top!.relPath, 'ops/Deploy.md');
    assert.equal(top!.heading, 'With Docker');
    const vote = await sidebar.rpc.sendRequest(KbVoteRequest.type, { chunkId: top!.chunkId, vote: 1 });
    assert.deepEqual(vote, { quality: 0.6, up: 1, down: 0 });
    const corrected = await sidebar.rpc.sendRequest(KbCorrectRequest.type, { chunkId: top!.chunkId, text: 'We push with podman now.' });
    assert.equal(corrected.version, 1);
    assert.equal((await search(sidebar, 'podman'))[0]?.chunkId, top!.chunkId);
    await server.connection.sendRequest(KbSetVisibilityRequest.type, { path: top!.path, visibility: 'public' });
    const shared = await search(sidebar, 'docker onion', { visibility: ['shared', 'public'] });
    assert.deepEqual(
      shared.map((p) => p.relPath),
      ['ops/Deploy.md'],
    );
    const contributions = await server.connection.sendRequest(KbContributionsRequest.type);
    assert.deepEqual(contributions.map((c) => c.kind).sort(), ['correction', 'vote']);
  });

  it('picks up notes added, edited and deleted in a watched folder', async () => {
    writeFileSync(join(vault, 'Kubernetes.md'), '# Kubernetes\n\nRoll out with kubectl apply and watch the pods.\n');
    await waitFor(async () => (await search(sidebar, 'kubectl rollout')).some((p) => p.relPath === 'Kubernetes.md'), {
      timeoutMs: 15_000,
      what: 'the new note to be indexed',
    });
    rmSync(join(vault, 'Cooking.md'));
    await waitFor(async () => !(await search(sidebar, 'onion soup')).some((p) => p.relPath === 'Cooking.md'), {
      timeoutMs: 15_000,
      what: 'the deleted note to leave the index',
    });
  });

  it("answers a bad request with the server's own message, a malformed one with InvalidParams, and refuses what the sidebar may not ask", async () => {
    await assert.rejects(sidebar.rpc.sendRequest(KbVoteRequest.type, { chunkId: 999_999, vote: 1 }), (error: Error) =>
      /^No passage 999999/.test(error.message),
    );
    await assert.rejects(
      sidebar.rpc.sendRequest(KbSearchRequest.method, { query: 42 }),
      (error: ResponseError<unknown>) => error.code === ErrorCodes.InvalidParams && /query/.test(error.message),
    );
    await assert.rejects(
      sidebar.rpc.sendRequest(KbAddRequest.method, { path: vault }),
      (error: ResponseError<unknown>) => error.code === ErrorCodes.MethodNotFound,
    );
    assert.equal((await search(sidebar, 'docker'))[0]?.relPath, 'ops/Deploy.md', 'the sidebar still answers');
  });

  it('stops an ingest the user cancels, keeps what was indexed, and the next sync completes it', async () => {
    const big = join(dir.path, 'plugins');
    cpSync(join(REPO, '..', 'shared', 'corpora', 'obsidian-hub', '02 - Community Expansions', '02.05 All Community Expansions', 'Plugins'), big, {
      recursive: true,
    });
    const total = readdirSync(big, { recursive: true }).filter((name) => /\.(md|markdown|txt)$/.test(String(name))).length;
    const cancel = new CancellationTokenSource();
    const adding = server.connection.sendRequest(KbAddRequest.type, { path: big }, cancel.token);
    await waitFor(async () => (await server.connection.sendRequest(KbStatsRequest.type)).documents > 100, {
      timeoutMs: 30_000,
      what: 'the ingest to be under way',
    });
    cancel.cancel();
    assert.equal((await adding).cancelled, true, 'the server stopped and said so');
    const partial = await waitFor(
      async () => {
        const stats = await server.connection.sendRequest(KbStatsRequest.type);
        return !stats.busy && stats;
      },
      { timeoutMs: 30_000, what: 'the ingest to stop' },
    );
    const folder = partial.sources.find((source) => source.path === big)!;
    assert.ok(folder.documents > 0 && folder.documents < total, `stopped part-way (${folder.documents} of ${total})`);
    const synced = await server.connection.sendRequest(KbSyncRequest.type, {});
    assert.equal(synced.sources.find((source) => source.path === big)!.documents, total);
  });

  it('gives the assistant a search_knowledge_base tool with citations', async () => {
    model.chat.push({ toolCalls: [{ name: 'search_knowledge_base', input: { query: 'how do we push images' } }] });
    model.chat.push({ text: 'You push with podman now, per your deploy note [1].' });
    client.socket.send(JSON.stringify({ type: 'say', text: 'How do we push images?' }));
    const turn = await waitFor(() => client.frames.flatMap((frame) => (frame.type === 'turn' && frame.turn.role === 'assistant' ? [frame.turn] : [])).at(-1), {
      timeoutMs: 15_000,
      what: 'the answer',
    });
    const call = turn.toolCalls[0]!;
    assert.equal(call.name, 'search_knowledge_base');
    assert.match(call.result!, /\[1\] Deploy › With Docker \(ops\/Deploy\.md, line 3\)/);
    assert.match(call.result!, /Correction by the user \(v1\): We push with podman now\./);
    assert.deepEqual(call.citations?.[0], { label: 'Deploy › With Docker', path: join(vault, 'ops', 'Deploy.md'), line: 2 });
  });

  it("keeps a private note's correction and votes out of a shared search of the same paragraph", async () => {
    const twins = join(dir.path, 'twins');
    const paragraph = 'The staging database password rotates every Monday at noon.';
    mkdirSync(twins);
    writeFileSync(join(twins, 'Private.md'), `# Private\n\n${paragraph}\n`);
    writeFileSync(join(twins, 'Shared.md'), `# Shared\n\n${paragraph}\n`);
    await server.connection.sendRequest(KbAddRequest.type, { path: twins });
    await server.connection.sendRequest(KbSetVisibilityRequest.type, { path: join(twins, 'Shared.md'), visibility: 'shared' });
    const own = (await search(sidebar, 'staging database password')).find((p) => p.relPath === 'Private.md')!;
    await sidebar.rpc.sendRequest(KbCorrectRequest.type, { chunkId: own.chunkId, text: 'The staging password is hunter2.' });
    await sidebar.rpc.sendRequest(KbVoteRequest.type, { chunkId: own.chunkId, vote: 1 });
    const shared = await search(sidebar, 'staging database password hunter2', { visibility: ['shared', 'public'] });
    assert.deepEqual(
      shared.map((p) => [p.relPath, p.correction, p.votes]),
      [['Shared.md', undefined, { up: 0, down: 0 }]],
    );
    assert.ok(!JSON.stringify(shared).includes('hunter2'), 'the private correction appears nowhere in the shared results');
  });
});
