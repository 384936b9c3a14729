/**
 * REPL cells through the real server: a cell the user runs in the panel (its own approval), a
 * cell the assistant proposes (approved on its card), variables kept between cells, matplotlib
 * figures as PNG frames, every execution in the session's export, and a Log Analysis session's
 * transcript loaded as a table.
 */
import assert from 'node:assert/strict';
import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/live';
import { ExportSessionRequest, NewSessionRequest } from '../../protocol/lsp';
import { DEFAULT_SETTINGS } from '../../protocol/settings';
import { pythonWithMatplotlib } from './hands/python';
import { connectLive, type LiveClient } from '../support/live';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';

type OpenAIStandIn = Awaited<ReturnType<typeof startOpenAIStandIn>>;
type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
const framesOf = <T extends ServerFrame['type']>(frames: ServerFrame[], type: T) => frames.filter((frame): frame is Frame<T> => frame.type === type);

describe('REPL cells', () => {
  const dir = tempDir('hands-cells');
  let model: OpenAIStandIn;
  let server: TestServer;
  let live: LiveClient;

  before(async () => {
    const workspace = realpathSync(dir.path);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 1 } });
    server = await startServer({
      storage: { globalStoragePath: join(workspace, 'g'), workspaceStoragePath: join(workspace, 'w') },
      settings: {
        ...structuredClone(DEFAULT_SETTINGS),
        llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: model.baseURL },
        hands: { timeoutMs: 20_000, memoryMb: 500, python: pythonWithMatplotlib() },
      },
    });
    server.editorState = { workspaceFolders: [workspace], openFiles: [], diagnostics: [] };
    live = await connectLive(server);
  });
  after(async () => {
    live.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  /** Runs a typed cell and resolves with its card's frames once it ended. */
  async function typed(language: 'python' | 'node', code: string) {
    const seen = live.frames.length;
    live.socket.send(JSON.stringify({ type: 'cell', language, code }));
    const card = await waitFor(() => framesOf(live.frames.slice(seen), 'approval')[0], { what: 'the cell card' });
    const end = await waitFor(() => framesOf(live.frames.slice(seen), 'runEnd').find((frame) => frame.id === card.id), {
      timeoutMs: 30_000,
      what: 'the cell to end',
    });
    const mine = live.frames.slice(seen).filter((frame) => 'id' in frame && frame.id === card.id);
    const output = framesOf(mine, 'runOutput')
      .map((frame) => frame.text)
      .join('');
    return { card, end, output, images: framesOf(mine, 'runImage'), tables: framesOf(mine, 'runTable') };
  }

  it('runs a cell the user typed without asking, and keeps its variables for the next', async () => {
    const first = await typed('python', 'answer = 41\nanswer + 1');
    assert.equal(first.card.kind, 'cell');
    assert.equal(first.card.language, 'python');
    assert.equal(first.card.preapproved, true);
    assert.equal(first.end.outcome, 'ok');
    assert.match(first.output, /42/);
    const second = await typed('python', 'print(answer)');
    assert.match(second.output, /41/);
  });

  it('shows a traceback, and a matplotlib figure as a PNG', async () => {
    const failed = await typed('python', '1 / 0');
    assert.equal(failed.end.outcome, 'error');
    assert.match(failed.output, /ZeroDivisionError/);
    const plot = await typed('python', 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()');
    assert.equal(plot.end.outcome, 'ok');
    assert.equal(plot.images.length, 1);
    assert.equal(Buffer.from(plot.images[0]!.png, 'base64').subarray(1, 4).toString(), 'PNG');
  });

  it('sends a tabular value as a table frame, not as its repr', async () => {
    const rows = await typed('python', 'rows = [{"city": "Paris", "n": i} for i in range(500)]\nrows');
    assert.equal(rows.end.outcome, 'ok');
    assert.equal(rows.tables.length, 1);
    assert.deepEqual(rows.tables[0]!.table.columns, ['city', 'n']);
    assert.deepEqual([rows.tables[0]!.table.rows.length, rows.tables[0]!.table.totalRows], [200, 500]);
    assert.doesNotMatch(rows.output, /'city'/, 'the card shows the table, not the repr');
  });

  it('runs a cell the assistant proposes only once approved, and gives the model its value', async () => {
    model.chat.push(
      {
        toolCalls: [
          {
            name: 'run_cell',
            input: { language: 'node', code: 'const squares = [1, 2, 3].map((n) => n * n); squares.join(",")', reason: 'To compute the squares' },
          },
        ],
      },
      { text: 'The squares are 1, 4 and 9.' },
    );
    const seen = live.frames.length;
    live.socket.send(JSON.stringify({ type: 'say', text: 'what are the squares?' }));
    const card = await waitFor(() => framesOf(live.frames.slice(seen), 'approval')[0], { what: 'the card' });
    assert.equal(card.kind, 'cell');
    assert.equal(card.preapproved, undefined);
    assert.equal(framesOf(live.frames.slice(seen), 'approvalState').length, 0, 'nothing runs before the user approves');
    live.socket.send(JSON.stringify({ type: 'approve', id: card.id, decision: 'run' }));
    const answer = await waitFor(() => framesOf(live.frames.slice(seen), 'turn').find((frame) => frame.turn.role === 'assistant')?.turn, {
      timeoutMs: 20_000,
      what: 'the answer',
    });
    assert.match(answer.toolCalls[0]!.result!, /The Node cell ran \(\d+ ms\)[\s\S]*1,4,9/);
    const last = model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!;
    assert.match(JSON.stringify(last.body), /1,4,9/);
  });

  it('keeps every execution in the session export, figures included', async () => {
    const exported = await server.connection.sendRequest(ExportSessionRequest.type);
    assert.match(exported.markdown, /## REPL/);
    assert.match(exported.markdown, /### You ran a python cell · .* · ok · \d+ ms\n\n```python\nanswer = 41\nanswer \+ 1\n```/);
    assert.match(exported.markdown, /### Parley ran a node cell/);
    assert.match(exported.markdown, /ZeroDivisionError/);
    assert.match(exported.markdown, /!\[Figure 1\]\(data:image\/png;base64,iVBOR/);
    assert.match(exported.markdown, /\| city \| n \|\n\| --- \| --- \|\n\| Paris \| 0 \|/);
    assert.match(exported.markdown, /_300 more rows not shown \(500 × 2 in all\)\._/);
  });
  it("loads a Log Analysis session's transcript records as a table, and tells the model where they are", async () => {
    const transcript = join(dir.path, 'claude.jsonl');
    const usage = { input_tokens: 10, output_tokens: 5 };
    writeFileSync(
      transcript,
      [
        { type: 'user', sessionId: 's', timestamp: '2026-11-30T10:00:00Z', message: { role: 'user', content: 'Deploy the service' } },
        // One response written as two records: its tokens count once.
        ...['t1', 't2'].map((id) => ({
          type: 'assistant',
          sessionId: 's',
          timestamp: '2026-11-30T10:00:05Z',
          requestId: 'r1',
          message: {
            id: 'm1',
            role: 'assistant',
            model: 'claude-sonnet-4-5',
            content: [{ type: 'tool_use', id, name: 'Bash', input: { command: 'deploy' } }],
            usage,
          },
        })),
        {
          type: 'user',
          sessionId: 's',
          timestamp: '2026-11-30T10:00:09Z',
          message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', is_error: true, content: 'denied' }] },
        },
      ]
        .map((record) => JSON.stringify(record))
        .join('\n') + '\nnot json\n',
    );
    const session = await server.connection.sendRequest(NewSessionRequest.type, { type: 'log-analysis', transcript });
    assert.ok(session.records, 'the session has its transcript table');
    const loaded = await typed('python', session.records.code);
    assert.equal(loaded.end.outcome, 'ok');
    const [table] = loaded.tables.map((frame) => frame.table);
    assert.equal(table?.totalRows, 4);
    const column = (name: string) => table!.rows.map((row) => row[table!.columns.indexOf(name)]);
    assert.deepEqual(column('tool').slice(1), ['Bash', 'Bash', 'Bash']);
    assert.deepEqual(column('block'), ['text', 'tool_use', 'tool_use', 'tool_result']);
    assert.deepEqual(column('is_error'), ['False', 'False', 'False', 'True']);
    const counted = await typed('python', 'int(records["output_tokens"].sum()) if hasattr(records, "columns") else sum(r["output_tokens"] for r in records)');
    assert.match(counted.output, /^5\s*$/m, 'the response written twice counts its tokens once');
    // The model is told where the table is, to load it in a cell of its own.
    model.chat.push({ text: 'Bash was denied.' });
    const seen = live.frames.length;
    live.socket.send(JSON.stringify({ type: 'say', text: 'why did the deploy fail?' }));
    await waitFor(() => live.frames.slice(seen).find((frame) => frame.type === 'turn' && frame.turn.role === 'assistant'), { what: 'the answer' });
    const prompt = JSON.stringify(model.requests.at(-1)?.body);
    assert.ok(prompt.includes(JSON.stringify(JSON.stringify(session.records.file)).slice(1, -1)), 'the prompt names the table');
    assert.match(prompt, /pandas\.read_json/);
    // Without pandas the records are a list of dicts, which the REPL shows as a table too.
    const plain = await typed('python', `import sys\nsys.modules["pandas"] = None\n${session.records.code}\n[type(records).__name__, len(records)]`);
    assert.match(plain.output, /\['list', 4\]/);
  });
});
