/**
 * "Ask the model" in the Knowledge Base sidebar, through the real server and the extension's
 * relay, with the OpenAI-compatible stand-in as the model (through the official SDK): off by
 * default, the question rewritten in the notes' words and searched again, the passages ranked by
 * the model with their whole texts (secrets masked), the cost shown, and a model that fails or
 * answers in the wrong shape leaving the search's own order with the reason. The stand-in's
 * answers are scripted: what is tested is Parley's use of them, not a model's judgement.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, LSPErrorCodes, type ResponseError } from 'vscode-languageserver-protocol';
import type { KbSearchAnswer } from '../../protocol/knowledge';
import { KbAddRequest, KbSearchRequest } from '../../protocol/lsp';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { RANK_SYSTEM, REWRITE_SYSTEM } from '../../server/knowledge/modelHelp';
import { DEFAULT_PRICES, priceOf } from '../../server/pricing';
import { tempDir } from '../support/paths';
import { startServer, type TestServer } from '../support/server';
import { sidebarOf, type Sidebar } from '../support/sidebar';
import { startOpenAIStandIn, type OpenAIStandIn } from '../support/standins';
import type { RecordedRequest } from '../support/standins/exchange';

const QUESTION = 'my notes app became sluggish, which add-on is to blame';
const KEY = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123';

/** The text the model was sent: its system prompt and the user message. */
function sent(request: RecordedRequest): { system: string; user: string } {
  const messages = (request.body as { messages: { role: string; content: string }[] }).messages;
  return { system: messages.find((m) => m.role === 'system')?.content ?? '', user: messages.find((m) => m.role === 'user')?.content ?? '' };
}

/** The number the ranking request gave the passage whose text contains `words`. */
function numberOf(request: RecordedRequest, words: string): number {
  const passages = sent(request).user.split('<passage ').slice(1);
  const index = passages.findIndex((passage) => passage.includes(words));
  assert.ok(index >= 0, `a passage with "${words}" was sent`);
  return Number(/^number="(\d+)"/.exec(passages[index]!)![1]);
}

describe('the model’s help with a sidebar search', { timeout: 120_000 }, () => {
  const dir = tempDir('kb-model');
  const vault = join(dir.path, 'vault');
  let model: OpenAIStandIn;
  let server: TestServer;
  let sidebar: Sidebar;

  const ask = (query = QUESTION, token?: CancellationTokenSource) =>
    sidebar.rpc.sendRequest(KbSearchRequest.type, { query, k: 10, askModel: true }, ...(token ? [token.token] : []));
  const withHelp = (modelHelp: ParleySettings['knowledgeBase']['modelHelp'], extra: Partial<ParleySettings> = {}) =>
    server.changeSettings({ ...server.settings, knowledgeBase: { modelHelp, modelPassages: 10 }, ...extra });
  const chatRequests = () => model.requests.filter((request) => request.path === '/v1/chat/completions');

  before(async () => {
    mkdirSync(vault, { recursive: true });
    writeFileSync(
      join(vault, 'Slow vault.md'),
      `# Debugging a slow Obsidian vault\n\nTurn off community plugins one at a time to find the one that makes Obsidian slow.\nThe sync token is ${KEY}, do not share it.\n`,
    );
    writeFileSync(join(vault, 'Sticky notes.md'), '# Sticky notes plugin\n\nSmall notes that float above the other windows of the app.\n');
    writeFileSync(join(vault, 'Backups.md'), '# Backing up\n\nCopy the vault folder with git or Syncthing every night; notes stay plain Markdown.\n');
    writeFileSync(join(vault, 'Cooking.md'), '# Cooking\n\nSlow simmered onion soup.\n');
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    // OpenAI's own dialect, which asks for the usage, so the cost can be checked; an OpenAI-compatible server's is below.
    server = await startServer({
      storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') },
      env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' },
      settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai', model: 'gpt-4.1-mini', baseUrl: model.baseURL } },
    });
    sidebar = sidebarOf(server);
    await server.connection.sendRequest(KbAddRequest.type, { path: vault });
  });
  after(async () => {
    sidebar.dispose();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('is off by default: a search says so, asks no model, and asking is refused with what to turn on', async () => {
    const before = model.requests.length;
    const answer: KbSearchAnswer = await sidebar.rpc.sendRequest(KbSearchRequest.type, { query: QUESTION, k: 10, prefix: true });
    assert.equal(answer.modelHelp, 'off');
    assert.equal(answer.model, undefined);
    await assert.rejects(ask(), (error: Error) => /Asking the model is off: turn on parley\.knowledgeBase\.modelHelp/.test(error.message));
    assert.equal(model.requests.length, before, 'no model request');
  });

  it('rewrites the question in the notes’ words, searches those too, and puts the passages the model picked first, with the cost', async () => {
    await withHelp('rewriteAndRerank');
    const plain = await sidebar.rpc.sendRequest(KbSearchRequest.type, { query: QUESTION, k: 10, prefix: true });
    assert.equal(plain.modelHelp, 'rewriteAndRerank');
    assert.notEqual(plain.passages[0]?.relPath, 'Slow vault.md', 'in the user’s own words the note is not first');

    const before = chatRequests().length;
    model.chat.push({
      text: '{"queries": ["obsidian slow plugin", "community plugins performance", "OBSIDIAN SLOW PLUGIN"]}',
      usage: { inputTokens: 100, outputTokens: 20 },
    });
    model.chat.push((request) => ({
      text: `{"ranking": [${numberOf(request, 'community plugins')}, ${numberOf(request, 'float above')}]}`,
      usage: { inputTokens: 900, outputTokens: 10 },
    }));
    const answer = await ask();

    const [rewrite, rank] = chatRequests().slice(before);
    assert.equal(sent(rewrite!).system, REWRITE_SYSTEM);
    assert.match(sent(rewrite!).user, /my notes app became sluggish/);
    assert.equal(sent(rank!).system, RANK_SYSTEM);
    assert.match(sent(rank!).user, /Turn off community plugins one at a time to find the one that makes Obsidian slow\./, 'the whole passage');
    assert.ok(!sent(rank!).user.includes(KEY), 'the key in the note is masked before it leaves');
    assert.match(sent(rank!).user, /\[redacted\]/);

    assert.deepEqual(
      answer.passages.slice(0, 2).map((p) => p.relPath),
      ['Slow vault.md', 'Sticky notes.md'],
    );
    assert.ok(answer.passages.length >= 3, 'the passages the model left out still follow');
    const report = answer.model!;
    assert.equal(report.model, 'openai gpt-4.1-mini');
    assert.deepEqual(report.queries, ['obsidian slow plugin', 'community plugins performance'], 'a repeat is dropped');
    assert.equal(report.ranked, 2);
    assert.ok(report.read >= 3 && report.read <= 10);
    assert.equal(report.inputTokens, 1000);
    assert.equal(report.outputTokens, 30);
    const price = priceOf(DEFAULT_PRICES, 'gpt-4.1-mini')!;
    assert.ok(Math.abs(report.costUsd! - (1000 * price.inputPerMTok + 30 * price.outputPerMTok) / 1e6) < 1e-12, `cost ${report.costUsd}`);
    assert.equal(report.problem, undefined);
  });

  it('ranks without rewriting in rerank mode: one request, free on a local server that does not price its model', async () => {
    await withHelp('rerank', { llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: model.baseURL } });
    const before = chatRequests().length;
    model.chat.push((request) => ({ text: `{"ranking": [${numberOf(request, 'Syncthing')}]}` }));
    const answer = await ask('keep a copy of my notes safe');
    assert.equal(chatRequests().length - before, 1);
    assert.equal(answer.passages[0]!.relPath, 'Backups.md');
    assert.deepEqual(answer.model!.queries, []);
    assert.equal(answer.model!.model, 'openai-compatible local-coder');
    assert.equal(answer.model!.costUsd, 0, 'a local server with no price of its own is free');
    assert.equal(answer.model!.inputTokens, 0, 'the compatible dialect does not ask for usage');
  });

  it('keeps the search’s own order, and says why, when the model answers in the wrong shape or fails', async () => {
    await withHelp('rerank');
    const own = await sidebar.rpc.sendRequest(KbSearchRequest.type, { query: 'notes plugin', k: 10 });

    model.chat.push({ text: 'Sure! Passage 2 looks the most relevant.' });
    const prose = await ask('notes plugin');
    assert.deepEqual(
      prose.passages.map((p) => p.chunkId),
      own.passages.map((p) => p.chunkId),
    );
    assert.match(prose.model!.problem!, /^could not rank the passages: the answer is not JSON .*it began "Sure! Passage 2/);
    assert.equal(prose.model!.ranked, 0);

    model.chat.push({ text: '{"ranking": [1, 99]}' });
    const invented = await ask('notes plugin');
    assert.match(invented.model!.problem!, /passage 99 is not one of the \d+ shown/);
    assert.deepEqual(
      invented.passages.map((p) => p.chunkId),
      own.passages.map((p) => p.chunkId),
    );

    model.failNext({ kind: 'status', status: 400 }, { path: '/v1/chat/completions' });
    const failed = await ask('notes plugin');
    assert.match(failed.model!.problem!, /^could not rank the passages: /);
    assert.deepEqual(
      failed.passages.map((p) => p.chunkId),
      own.passages.map((p) => p.chunkId),
    );
  });

  it('stops asking when the sidebar cancels', async () => {
    await withHelp('rerank');
    model.latency.ttfbMs = 5_000;
    try {
      const cancel = new CancellationTokenSource();
      const asking = ask('notes plugin', cancel);
      setTimeout(() => cancel.cancel(), 200);
      const started = Date.now();
      await assert.rejects(asking, (error: ResponseError<unknown>) => error.code === LSPErrorCodes.RequestCancelled);
      assert.ok(Date.now() - started < 3_000, 'cancelled before the model answered');
    } finally {
      model.latency.ttfbMs = 5;
    }
  });
});

describe('asking the model with none configured', () => {
  const dir = tempDir('kb-model-none');
  let server: TestServer;

  before(async () => {
    writeFileSync(join(dir.path, 'Note.md'), '# Plugins\n\nCommunity plugins can slow a vault down.\n');
    server = await startServer({
      storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') },
      settings: { ...structuredClone(DEFAULT_SETTINGS), knowledgeBase: { modelHelp: 'rerank', modelPassages: 10 } },
    });
    await server.connection.sendRequest(KbAddRequest.type, { path: join(dir.path, 'Note.md') });
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
  });

  it('refuses with what to set up, and the search itself still answers', async () => {
    const sidebar = sidebarOf(server);
    try {
      await assert.rejects(sidebar.rpc.sendRequest(KbSearchRequest.type, { query: 'plugins', k: 10, askModel: true }), (error: Error) =>
        /^There is no language model to ask: Set an Anthropic key/.test(error.message),
      );
      const plain = await sidebar.rpc.sendRequest(KbSearchRequest.type, { query: 'plugins', k: 10 });
      assert.equal(plain.passages[0]?.relPath, 'Note.md');
      assert.equal(plain.modelHelp, 'rerank');
    } finally {
      sidebar.dispose();
    }
  });
});
