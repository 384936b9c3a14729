/**
 * Secrets: keys of every known shape planted in the workspace's code, its diagnostics, a note of
 * the knowledge base and what the user types must not reach the model by any path (editor
 * context, repository map, read_file, search_workspace, search_knowledge_base, the review's
 * prompt), nor the session, its export or the log. The real server and command line, the
 * OpenAI-compatible stand-in as the model, which records every request it is sent.
 */
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import { ExportSessionRequest, KbAddRequest } from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { runParley } from '../support/cli';
import { connectLive, type LiveClient } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { KEY_SAMPLES, leakedKeys } from '../support/secrets';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

type OpenAIStandIn = Awaited<ReturnType<typeof startOpenAIStandIn>>;

const keyed = Object.entries(KEY_SAMPLES)
  .map(([name, sample], index) => `// ${name}\nexport const SETTING_${index} = ${JSON.stringify(sample)};`)
  .join('\n');

const turnsOf = (frames: ServerFrame[]) => frames.flatMap((frame) => (frame.type === 'turn' ? [frame.turn] : []));

describe('secrets', { timeout: 240_000 }, () => {
  const dir = tempDir('security-secrets');
  const workspace = join(dir.path, 'ws');
  const notes = join(dir.path, 'notes');
  const storage = { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') };
  let model: OpenAIStandIn;
  let server: TestServer;
  let live: LiveClient;

  before(async () => {
    mkdirSync(join(workspace, 'src'), { recursive: true });
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(workspace, 'src', 'config.ts'), `${keyed}\n`);
    writeFileSync(join(workspace, 'src', 'deploy.ts'), "import { SETTING_0 } from './config';\nexport function deploy(): string {\n  return SETTING_0;\n}\n");
    writeFileSync(join(workspace, '.envrc'), 'export DEPLOY_PASSWORD=correcthorsebatterystaple\n');
    writeFileSync(join(notes, 'deploy.md'), `# Deploying\n\nThe deploy keys:\n\n${Object.values(KEY_SAMPLES).join('\n\n')}\n`);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    server = await startServer({
      storage,
      settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: model.baseURL } },
    });
    const file = join(realpathSync(workspace), 'src', 'config.ts');
    server.editorState = {
      workspaceFolders: [workspace],
      openFiles: [file],
      activeEditor: {
        path: file,
        languageId: 'typescript',
        lineCount: 30,
        selection: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } },
        selectedText: keyed.split('\n').slice(0, 4).join('\n'),
        visibleRange: { start: { line: 0, character: 0 }, end: { line: 29, character: 0 } },
        visibleText: keyed,
      },
      diagnostics: Object.values(KEY_SAMPLES).map((sample, line) => ({
        path: file,
        range: { start: { line, character: 0 }, end: { line, character: 5 } },
        severity: 'error' as const,
        message: `Type '"${sample}"' is not assignable to type 'number'.`,
        source: 'ts',
      })),
    };
    server.connection.onRequest('window/workDoneProgress/create', () => null);
    await server.connection.sendRequest(KbAddRequest.type, { path: notes });
    live = await connectLive(server);
  });
  after(async () => {
    live.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  const modelSaw = () => JSON.stringify(model.requests.map((request) => request.body));

  it('keys in the active file, its selection and diagnostics quoting them, and the user typing one → none reaches the model', async () => {
    model.chat.push({ text: 'I see the configuration.' });
    live.socket.send(JSON.stringify({ type: 'say', text: `what is wrong with this? my token is ${KEY_SAMPLES['GitHub token']}` }));
    await waitFor(() => turnsOf(live.frames).length >= 2, { what: 'the answer' });
    assert.ok(modelSaw().includes('Active file'), 'the editor context was sent');
    assert.deepEqual(leakedKeys(modelSaw()), []);
  });

  it('the model calls read_file, search_workspace and search_knowledge_base on keyed files, notes and .envrc → the results it reads hold no key', async () => {
    live.frames.length = 0;
    model.chat.push({
      toolCalls: [
        { name: 'read_file', input: { path: 'src/config.ts' } },
        { name: 'read_file', input: { path: '.envrc' } },
        { name: 'search_workspace', input: { query: 'SETTING_' } },
        { name: 'search_knowledge_base', input: { query: 'deploy keys' } },
      ],
    });
    model.chat.push({ text: 'Those are the settings.' });
    live.socket.send(JSON.stringify({ type: 'say', text: 'show me the deploy settings and notes' }));
    const answer = await waitFor(() => turnsOf(live.frames).find((turn) => turn.role === 'assistant'), { what: 'the answer with tools' });
    assert.equal(answer.toolCalls.length, 4);
    assert.ok(
      answer.toolCalls.every((call) => !call.isError),
      JSON.stringify(answer.toolCalls),
    );
    assert.match(answer.toolCalls[3]!.result ?? '', /Deploying/, 'the note was found');
    assert.deepEqual(leakedKeys(modelSaw()), []);
    assert.ok(!modelSaw().includes('correcthorsebatterystaple'), 'a .envrc value reached the model');
  });

  it('the repository map around the keyed file (definition lines with their values) → no key reaches the model', async () => {
    const sawMap = await waitFor(
      async () => {
        const before = turnsOf(live.frames).length;
        model.chat.push({ text: 'Noted.' });
        live.socket.send(JSON.stringify({ type: 'say', text: 'what uses the settings?' }));
        await waitFor(() => turnsOf(live.frames).length >= before + 2, { what: 'the answer' });
        const last = JSON.stringify(model.requests.at(-1)!.body);
        return last.includes('Repository map') && last;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a turn with the repository map' },
    );
    assert.match(sawMap, /SETTING_0/);
    assert.deepEqual(leakedKeys(modelSaw()), []);
  });

  it("the session after all that: the panel's turns, Export Session and the server log → no key in any of them", async () => {
    const exported = await server.connection.sendRequest(ExportSessionRequest.type);
    assert.deepEqual(leakedKeys(JSON.stringify(exported)), []);
    assert.deepEqual(leakedKeys(JSON.stringify(turnsOf(live.frames))), []);
    assert.deepEqual(leakedKeys(server.logs.join('\n') + server.stderr()), []);
  });

  it('`parley review` of the keyed workspace with a model → the review prompt holds no key', async () => {
    const reviewer = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 0 } });
    try {
      const env = {
        HOME: process.env.HOME,
        PARLEY_LLM: 'openai-compatible',
        PARLEY_LLM_MODEL: 'local-reviewer',
        PARLEY_LLM_BASE_URL: reviewer.baseURL,
        XDG_CACHE_HOME: join(dir.path, 'cache'),
      };
      const { code } = await runParley(['review', workspace, '--json'], { env, timeoutMs: 120_000 });
      assert.equal(code, 0);
      const prompts = JSON.stringify(reviewer.requests.map((request) => request.body));
      assert.ok(prompts.includes('SETTING_'), 'the model was asked about the code');
      assert.deepEqual(leakedKeys(prompts), []);
    } finally {
      await reviewer.close();
    }
  });
});
