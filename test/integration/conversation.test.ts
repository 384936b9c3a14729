/**
 * A typed conversation through the real server: the live WebSocket in, the OpenAI-compatible
 * stand-in as the model (through the official SDK), tools run against a real folder, the editor
 * answered by the test client, every turn on disk.
 */
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { ServerFrame } from '../../protocol/live';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { connectLive } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

type OpenAIStandIn = Awaited<ReturnType<typeof startOpenAIStandIn>>;

const turnsOf = (frames: ServerFrame[]) => frames.flatMap((frame) => (frame.type === 'turn' ? [frame.turn] : []));

describe('typed conversation', () => {
  const dir = tempDir('conversation');
  const workspace = join(dir.path, 'ws');
  const storage = { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') };
  let model: OpenAIStandIn;
  let server: TestServer;

  before(async () => {
    mkdirSync(join(workspace, 'src'), { recursive: true });
    writeFileSync(join(workspace, 'src', 'math.ts'), 'export const add = (a: number, b: number) => a - b;\n');
    model = await startOpenAIStandIn({ latency: { ttfbMs: 20, interTokenMs: 2 } });
    server = await startServer({
      storage,
      settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: model.baseURL } },
    });
    const file = join(realpathSync(workspace), 'src', 'math.ts');
    server.editorState = {
      workspaceFolders: [workspace],
      openFiles: [file],
      activeEditor: {
        path: file,
        languageId: 'typescript',
        lineCount: 1,
        selection: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        selectedText: '',
        visibleRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 52 } },
        visibleText: 'export const add = (a: number, b: number) => a - b;',
      },
      diagnostics: [],
    };
  });
  after(async () => {
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('streams an answer that reads a file and proposes an edit the user accepts, and commits both turns', async () => {
    model.chat.push({ toolCalls: [{ name: 'read_file', input: { path: 'src/math.ts' } }] });
    model.chat.push({
      toolCalls: [{ name: 'propose_edit', input: { path: 'src/math.ts', oldText: 'a - b', newText: 'a + b', summary: 'Add instead of subtract' } }],
    });
    model.chat.push({ text: 'Fixed: add now adds. The change is in the panel.' });
    const { socket, frames } = await connectLive(server);
    socket.send(JSON.stringify({ type: 'say', text: 'why does add return the wrong number?' }));
    const turns = await waitFor(() => (turnsOf(frames).length >= 2 ? turnsOf(frames) : undefined), { what: 'both turns' });
    socket.close();

    assert.equal(turns[0]!.role, 'user');
    const answer = turns[1]!;
    assert.equal(answer.text, 'Fixed: add now adds. The change is in the panel.');
    assert.equal(answer.interrupted, false);
    assert.deepEqual(
      answer.toolCalls.map((call) => [call.name, call.isError ?? false]),
      [
        ['read_file', false],
        ['propose_edit', false],
      ],
    );
    assert.match(answer.toolCalls[0]!.result!, /1  export const add/);
    assert.equal(answer.toolCalls[1]!.result, 'The user accepted the edit to src/math.ts.');
    assert.ok(answer.metrics?.llmTtftMs !== undefined && answer.metrics.llmTtftMs >= 20);
    assert.ok(
      frames.some((frame) => frame.type === 'assistantDelta'),
      'the text streamed in pieces',
    );
    assert.deepEqual(
      frames.filter((f) => f.type === 'toolCall').map((f) => f.type === 'toolCall' && f.state),
      ['running', 'done', 'running', 'done'],
    );

    // The edit went to VS Code as a preview that needs confirmation.
    const edit = server.edits[0] as { edit: { changeAnnotations: Record<string, { needsConfirmation: boolean }> } };
    assert.equal(Object.values(edit.edit.changeAnnotations)[0]!.needsConfirmation, true);

    // The model saw the editor context and the tool results in the follow-up rounds.
    const last = model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.body as { messages: { role: string; content: unknown }[] };
    const roles = last.messages.map((message) => message.role);
    assert.deepEqual(roles.filter((role) => role === 'tool').length, 2);
    assert.ok(JSON.stringify(last.messages).includes('Active file'), 'the editor context reached the model');
  });

  it('shows the conversation to a panel that reconnects', async () => {
    const { socket, frames } = await connectLive(server);
    const history = await waitFor(() => frames.find((frame) => frame.type === 'history'), { what: 'history' });
    socket.close();
    assert.ok(history.type === 'history' && history.turns.length >= 2);
    assert.equal(history.turns.at(-1)!.text, 'Fixed: add now adds. The change is in the panel.');
  });

  it('gives the model the repository map around the active file', async () => {
    writeFileSync(
      join(workspace, 'src', 'geometry.ts'),
      "import { add } from './math';\nexport function perimeter(a: number, b: number): number {\n  return add(add(a, b), add(a, b));\n}\n",
    );
    const { socket, frames } = await connectLive(server);
    // The map is built in the background; a turn waits for it only briefly, so ask until it is there.
    const sawMap = await waitFor(
      async () => {
        const before = turnsOf(frames).length;
        model.chat.push({ text: 'Noted.' });
        socket.send(JSON.stringify({ type: 'say', text: 'what uses add?' }));
        await waitFor(() => turnsOf(frames).length >= before + 2, { what: 'the answer' });
        const last = model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.body;
        return JSON.stringify(last).includes('Repository map') && JSON.stringify(last);
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a turn with the repository map' },
    );
    socket.close();
    assert.match(sawMap, /src\/math\.ts/);
    assert.match(sawMap, /export const add/);
  });

  /** Asks `question` of a model that answers slowly, and returns once the answer has started (frames from `seen` on are this exchange's). */
  async function askSlowly(question: string, answer: string): Promise<{ socket: WebSocket; frames: ServerFrame[]; seen: number }> {
    model.latency.interTokenMs = 40;
    model.chat.push({ text: answer });
    const { socket, frames } = await connectLive(server);
    const seen = frames.length;
    socket.send(JSON.stringify({ type: 'say', text: question }));
    await waitFor(() => frames.slice(seen).some((frame) => frame.type === 'assistantDelta'), { what: 'the answer to start' });
    return { socket, frames, seen };
  }

  it('keeps what was said when the user cancels mid-answer, marked interrupted', async () => {
    const { socket, frames, seen } = await askSlowly('explain everything', 'This is a long explanation that goes on and on about many details of the code.');
    socket.send(JSON.stringify({ type: 'cancel' }));
    const answer = await waitFor(() => turnsOf(frames.slice(seen)).find((turn) => turn.role === 'assistant'), { what: 'the interrupted turn' });
    socket.close();
    model.latency.interTokenMs = 2;
    assert.equal(answer.interrupted, true);
    assert.ok(
      answer.text.length > 0 && answer.text.length < 'This is a long explanation that goes on and on about many details of the code.'.length,
      answer.text,
    );
  });

  it('loses nothing said when the server dies mid-answer: a new server shows the question and goes on', async () => {
    const { socket } = await askSlowly('what breaks if I rename add?', 'Renaming add breaks geometry.ts, which calls it three times, and nothing else.');
    server.process.kill('SIGKILL');
    await server.exited;
    server.connection.dispose();
    socket.terminate();
    model.latency.interTokenMs = 2;
    const { editorState } = server;
    server = await startServer({ storage, settings: server.settings });
    server.editorState = editorState;
    const again = await connectLive(server);
    const history = await waitFor(() => again.frames.find((frame) => frame.type === 'history'), { what: 'history from the new server' });
    assert.ok(history.type === 'history');
    assert.deepEqual(
      [history.turns.at(-1)!.role, history.turns.at(-1)!.text],
      ['user', 'what breaks if I rename add?'],
      'the question is kept; the unfinished answer is not passed off as complete',
    );
    model.chat.push({ text: 'Only geometry.ts.' });
    again.socket.send(JSON.stringify({ type: 'say', text: 'and now?' }));
    await waitFor(() => turnsOf(again.frames).find((turn) => turn.role === 'assistant' && turn.text === 'Only geometry.ts.'), { what: 'the next answer' });
    again.socket.close();
  });

  it("times the model's first token, not the end of its answer", async () => {
    Object.assign(model.latency, { ttfbMs: 60, interTokenMs: 80 });
    model.chat.push({ text: 'One two three four five six seven eight nine ten.' });
    try {
      const { socket, frames } = await connectLive(server);
      socket.send(JSON.stringify({ type: 'say', text: 'count to ten' }));
      const answer = await waitFor(() => turnsOf(frames).find((turn) => turn.role === 'assistant'), { what: 'the answer' });
      socket.close();
      const ttft = answer.metrics?.llmTtftMs ?? NaN;
      // The first token comes at 60 ms (plus one 80 ms tick after the role chunk); the whole answer takes over 850 ms,
      // so even on a busy machine a time near the answer's end is not the first token's.
      assert.ok(ttft >= 60 && ttft < 500, `llm ttft ${ttft} ms`);
    } finally {
      Object.assign(model.latency, { ttfbMs: 20, interTokenMs: 2 });
    }
  });

  it('says what to set up when no model is configured', async () => {
    await server.changeSettings({ ...server.settings, llm: { provider: 'anthropic', model: '', baseUrl: '' } });
    const { socket, frames } = await connectLive(server);
    socket.send(JSON.stringify({ type: 'say', text: 'hello?' }));
    const notice = await waitFor(() => frames.find((frame) => frame.type === 'notice'), { what: 'a notice' });
    socket.close();
    assert.ok(notice.type === 'notice' && notice.level === 'error');
    assert.match(notice.message, /Set an Anthropic key/);
  });
});
