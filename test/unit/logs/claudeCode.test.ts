/**
 * Claude Code transcripts analysed: the shared transcripts (written by another project) with
 * totals checked against jq, and a transcript written here with every record type, sidechains,
 * sub-agents and one response written as several records, with totals worked out by hand.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TranscriptRow } from '../../../protocol/logs';
import { analyzeClaudeSession } from '../../../server/logs/claudeCode/session';
import { writeRecordTable } from '../../../server/logs/claudeCode/table';
import { REPO, tempDir } from '../../support/paths';

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'claude-code-logs');

describe('Claude Code transcripts from the shared corpus', () => {
  it('counts edge_cases.jsonl as jq does, skipping the four lines that are not records', async () => {
    const analysis = await analyzeClaudeSession(join(CORPUS, 'edge_cases.jsonl'));
    // jq: [.[] | objects | select(.type=="assistant") | .message.usage] → input 488, output 435, 4 responses.
    assert.equal(analysis.usage.input_tokens, 488);
    assert.equal(analysis.usage.output_tokens, 435);
    assert.equal(
      analysis.models.reduce((sum, model) => sum + model.messages, 0),
      4,
    );
    assert.deepEqual(
      analysis.skipped.map((entry) => [entry.line, entry.reason]),
      [
        [13, 'JSON string, not a record'],
        [14, 'a JSON object without a "type"'],
        [15, 'JSON number, not a record'],
        [16, 'JSON array, not a record'],
      ],
    );
    assert.equal(analysis.truncatedTail, false);
    assert.deepEqual(analysis.records, { user: 10, assistant: 4, summary: 1 });
    assert.deepEqual(analysis.tools.FailingTool, { calls: 1, errors: 1 });
    assert.equal(analysis.errors[0]?.line, 5);
    assert.match(analysis.errors[0]!.message, /Command not found/);
    assert.deepEqual(analysis.files, [{ path: '/tmp/complex_example.py', reads: 0, edits: 1 }]);
    // The slash command is a prompt; the local-command caveat and its output are not.
    assert.ok(analysis.promptGaps.longest.some((gap) => gap.prompt === '/test-command --verbose --output /tmp/test.log'));
    assert.ok(!analysis.promptGaps.longest.some((gap) => gap.prompt.startsWith('Caveat')));
    assert.equal(analysis.session.summaries.length, 1);
  });

  it('reads every shared transcript to the same totals as jq', async () => {
    const expected: Record<string, [number, number, number]> = {
      'representative_messages.jsonl': [218, 445, 5],
      'session_b.jsonl': [20, 35, 1],
      'todowrite_examples.jsonl': [883, 328, 6],
    };
    for (const [name, [input, output, responses]] of Object.entries(expected)) {
      const analysis = await analyzeClaudeSession(join(CORPUS, name));
      assert.deepEqual(
        [analysis.usage.input_tokens, analysis.usage.output_tokens, analysis.models.reduce((sum, model) => sum + model.messages, 0)],
        [input, output, responses],
        name,
      );
      assert.equal(analysis.skippedLines, 0, name);
    }
  });
});

const T = (clock: string) => `2026-11-30T${clock}Z`;
const base = { sessionId: 'sess-1', cwd: '/work/app', version: '2.1.0', gitBranch: 'main', isSidechain: false };
const user = (at: string, content: unknown, extra: object = {}) => ({ ...base, type: 'user', timestamp: T(at), message: { role: 'user', content }, ...extra });
const assistant = (at: string, id: string, requestId: string, model: string, content: unknown[], usage: object, extra: object = {}) => ({
  ...base,
  type: 'assistant',
  timestamp: T(at),
  requestId,
  message: { id, type: 'message', role: 'assistant', model, content, usage },
  ...extra,
});
const bash = (id: string) => ({ type: 'tool_use', id, name: 'Bash', input: { command: 'npm test' } });
const failed = (id: string, text: string) => ({ type: 'tool_result', tool_use_id: id, content: text, is_error: true });
const SONNET = 'claude-sonnet-4-5-20250929';
const HAIKU = 'claude-haiku-4-5-20251001';

function writeJsonl(file: string, records: unknown[], tail = ''): void {
  writeFileSync(file, records.map((record) => JSON.stringify(record)).join('\n') + '\n' + tail);
}

function writeSession(dir: string): string {
  const usageA = {
    input_tokens: 100,
    cache_creation_input_tokens: 1000,
    cache_read_input_tokens: 2000,
    cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 },
  };
  const recordC = assistant(
    '09:00:50',
    'msg_C',
    'req_3',
    SONNET,
    [bash('tu3'), { type: 'tool_use', id: 'tu4', name: 'Read', input: { file_path: '/work/app/src/login.ts' } }],
    {
      input_tokens: 10,
      output_tokens: 10,
      cache_read_input_tokens: 3000,
    },
  );
  const file = join(dir, 'sess-1.jsonl');
  writeJsonl(
    file,
    [
      { type: 'file-history-snapshot', messageId: 'u1', snapshot: { trackedFileBackups: {} }, isSnapshotUpdate: false },
      user('09:00:00', '<command-message>init is analyzing</command-message>', { isMeta: true }),
      user('09:00:05', 'Fix the failing login test'),
      // One response written as three records, the usage repeated and its output growing.
      assistant('09:00:10', 'msg_A', 'req_1', SONNET, [{ type: 'thinking', thinking: '…' }], { ...usageA, output_tokens: 5 }),
      assistant('09:00:11', 'msg_A', 'req_1', SONNET, [{ type: 'text', text: 'Running the tests.' }], { ...usageA, output_tokens: 20 }),
      assistant('09:00:12', 'msg_A', 'req_1', SONNET, [bash('tu1')], { ...usageA, output_tokens: 40 }),
      user('09:00:20', [failed('tu1', 'exit 1: login.test.ts failed')]),
      assistant('09:00:30', 'msg_B', 'req_2', SONNET, [bash('tu2')], { input_tokens: 10, output_tokens: 10, cache_read_input_tokens: 3000 }),
      user('09:00:40', [failed('tu2', 'exit 1: login.test.ts failed')]),
      recordC,
      user('09:00:55', [failed('tu3', 'exit 1'), { type: 'tool_result', tool_use_id: 'tu4', content: [{ type: 'text', text: 'export function login…' }] }]),
      recordC,
      assistant(
        '09:01:00',
        'msg_D',
        'req_4',
        SONNET,
        [{ type: 'tool_use', id: 'tu5', name: 'Edit', input: { file_path: '/work/app/src/login.ts', old_string: 'a', new_string: 'b' } }],
        {
          input_tokens: 5,
          output_tokens: 50,
        },
      ),
      user('09:01:05', [{ type: 'tool_result', tool_use_id: 'tu5', content: 'ok' }]),
      { ...base, type: 'system', subtype: 'api_error', level: 'error', content: 'Overloaded', timestamp: T('09:01:10') },
      assistant(
        '09:01:12',
        'msg_E',
        '',
        '<synthetic>',
        [{ type: 'text', text: 'API Error: 529 overloaded' }],
        { input_tokens: 0, output_tokens: 0 },
        { isApiErrorMessage: true },
      ),
      user('09:01:20', [{ type: 'text', text: '[Request interrupted by user]' }]),
      user('09:31:20', '<command-name>/compact</command-name>\n<command-args></command-args>'),
      { type: 'summary', summary: 'Fixing the login test', leafUuid: 'x' },
      { ...base, type: 'attachment', timestamp: T('09:31:21'), attachment: { type: 'file', path: 'a' } },
      { ...base, type: 'hologram', timestamp: T('09:31:22') },
      assistant('09:31:30', 'msg_F', 'req_5', HAIKU, [{ type: 'text', text: 'side' }], { input_tokens: 1000, output_tokens: 100 }, { isSidechain: true }),
      assistant('09:31:35', 'msg_G', 'req_6', 'claude-future-9', [{ type: 'text', text: 'new model' }], { input_tokens: 7, output_tokens: 3 }),
      user('09:32:00', 'thanks'),
    ],
    // Still being written: the last record is cut off without a newline.
    '{"type":"assistant","message":{"id":"msg_H"',
  );
  const side = { ...base, isSidechain: true };
  mkdirSync(join(dir, 'sess-1', 'subagents'), { recursive: true });
  writeJsonl(join(dir, 'sess-1', 'subagents', 'agent-a1.jsonl'), [
    { ...user('09:31:40', 'Search for the uses of login'), ...side },
    { ...assistant('09:31:45', 'msg_S1', 'req_s1', HAIKU, [{ type: 'text', text: 'found 3' }], { input_tokens: 200, output_tokens: 20 }), ...side },
  ]);
  writeJsonl(join(dir, 'agent-b2.jsonl'), [{ ...assistant('09:31:46', 'msg_S2', 'req_s2', HAIKU, [], { input_tokens: 300, output_tokens: 30 }), ...side }]);
  writeJsonl(join(dir, 'agent-c3.jsonl'), [
    { ...assistant('09:31:47', 'msg_X', 'req_x', HAIKU, [], { input_tokens: 9999, output_tokens: 9999 }), ...side, sessionId: 'other' },
  ]);
  return file;
}

describe('a Claude Code transcript with every kind of record', () => {
  const dir = tempDir('claude-code');
  after(() => dir.cleanup());
  const file = writeSession(dir.path);

  it('counts each API response once, however many records it was written as, and its sub-agents', async () => {
    const analysis = await analyzeClaudeSession(file);
    // Sonnet: msg_A 100/40 (cache 400 5m + 600 1h written, 2000 read), msg_B 10/10 (3000 read),
    // msg_C 10/10 (3000 read; its record repeated), msg_D 5/50. Haiku: msg_F 1000/100 in a
    // sidechain, the sub-agents' msg_S1 200/20 and msg_S2 300/30; agent-c3 is another session's.
    assert.deepEqual(analysis.usage, {
      input_tokens: 125 + 1500 + 7,
      output_tokens: 110 + 150 + 3,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 8000,
      cache_creation_5m_input_tokens: 400,
      cache_creation_1h_input_tokens: 600,
    });
    const byModel = Object.fromEntries(analysis.models.map((model) => [model.model, model]));
    assert.equal(byModel[SONNET]!.messages, 4);
    assert.equal(byModel[HAIKU]!.messages, 3);
    // Sonnet 4.x: $3 in, $15 out, $3.75 5-minute writes, $6 one-hour writes, $0.30 reads, per million.
    assert.equal(byModel[SONNET]!.costUsd, (125 * 3 + 110 * 15 + 400 * 3.75 + 600 * 6 + 8000 * 0.3) / 1e6);
    assert.equal(byModel[HAIKU]!.costUsd, (1500 * 1 + 150 * 5) / 1e6);
    assert.equal(byModel['<synthetic>']!.costUsd, 0);
    assert.equal(byModel['claude-future-9']!.costUsd, undefined);
    assert.deepEqual(analysis.unpricedModels, ['claude-future-9']);
    assert.equal(analysis.costUsd, 0.009525 + 0.00225);
    assert.deepEqual(
      analysis.subagents.map((agent) => [agent.file, agent.agentId, agent.records, agent.usage.input_tokens]),
      [
        [join(dir.path, 'agent-b2.jsonl'), 'b2', 1, 300],
        [join(dir.path, 'sess-1', 'subagents', 'agent-a1.jsonl'), 'a1', 2, 200],
      ],
    );
    // Main: 9 user records and 7 responses; sub-agents: 1 user record and 2 responses.
    assert.equal(analysis.messages, 19);
    assert.equal(analysis.sidechainRecords, 4);
  });

  it('keeps every record type, unknown ones included, and says the file is still being written', async () => {
    const analysis = await analyzeClaudeSession(file);
    assert.deepEqual(analysis.records, { 'file-history-snapshot': 1, user: 10, assistant: 12, system: 1, summary: 1, attachment: 1, hologram: 1 });
    assert.equal(analysis.skippedLines, 1);
    assert.equal(analysis.truncatedTail, true);
    assert.match(analysis.skipped[0]!.reason, /still being written/);
    assert.deepEqual(analysis.session.summaries, ['Fixing the login test']);
    assert.equal(analysis.session.id, 'sess-1');
    assert.equal(analysis.session.gitBranch, 'main');
    assert.equal(analysis.session.startedAt, T('09:00:00.000'));
    assert.equal(analysis.session.endedAt, T('09:32:00.000'));
    assert.equal(analysis.session.durationMs, 32 * 60_000);
  });

  it('finds tools, their failures, the call that keeps failing, and the files touched', async () => {
    const analysis = await analyzeClaudeSession(file);
    assert.deepEqual(analysis.tools, { Bash: { calls: 3, errors: 3 }, Read: { calls: 1, errors: 0 }, Edit: { calls: 1, errors: 0 } });
    assert.deepEqual(
      analysis.repeatedFailures.map(({ tool, failures, firstAt, lastAt }) => ({ tool, failures, firstAt, lastAt })),
      [{ tool: 'Bash', failures: 3, firstAt: T('09:00:20.000'), lastAt: T('09:00:55.000') }],
    );
    assert.match(analysis.repeatedFailures[0]!.input, /npm test/);
    assert.deepEqual(
      analysis.errors.map((error) => [error.kind, error.tool ?? '', error.line]),
      [
        ['tool', 'Bash', 7],
        ['tool', 'Bash', 9],
        ['tool', 'Bash', 11],
        ['system', '', 15],
        ['api', '', 16],
      ],
    );
    assert.equal(analysis.errorCount, 5);
    assert.deepEqual(analysis.files, [{ path: '/work/app/src/login.ts', reads: 1, edits: 1 }]);
  });

  it('counts the prompts the user typed, not meta records, interruptions or a sub-agent’s task', async () => {
    const analysis = await analyzeClaudeSession(file);
    assert.equal(analysis.prompts, 3);
    assert.equal(analysis.session.firstPrompt, 'Fix the failing login test');
    const gap = (from: string, to: string) => Date.parse(T(to)) - Date.parse(T(from));
    assert.equal(analysis.promptGaps.medianMs, (gap('09:00:05', '09:31:20') + gap('09:31:20', '09:32:00')) / 2);
    assert.deepEqual(analysis.promptGaps.longest[0], {
      from: T('09:00:05.000'),
      to: T('09:31:20.000'),
      ms: gap('09:00:05', '09:31:20'),
      prompt: 'Fix the failing login test',
    });
    assert.equal(analysis.promptGaps.longest[1]?.prompt, '/compact');
  });

  it('lays the session out in minutes, each bucket holding what happened in it', async () => {
    const analysis = await analyzeClaudeSession(file);
    assert.equal(analysis.bucketMs, 60_000);
    assert.equal(analysis.timeline.length, 33);
    assert.deepEqual(analysis.timeline[0], {
      start: T('09:00:00.000'),
      prompts: 1,
      toolCalls: 4,
      errors: 3,
      inputTokens: 120,
      outputTokens: 60,
      cacheReadTokens: 8000,
      cacheCreationTokens: 1000,
    });
    const total = (field: 'toolCalls' | 'errors' | 'inputTokens') => analysis.timeline.reduce((sum, bucket) => sum + bucket[field], 0);
    assert.equal(total('toolCalls'), 5);
    assert.equal(total('errors'), 5);
    assert.equal(total('inputTokens'), analysis.usage.input_tokens);
  });
});

describe('a transcript as a table for the REPL', () => {
  const dir = tempDir('claude-code-table');
  after(() => dir.cleanup());
  const file = writeSession(dir.path);

  async function table(transcript: string): Promise<{ rows: TranscriptRow[]; skippedLines: number }> {
    const target = join(dir.path, 'tables', `${Math.random()}.jsonl`);
    const written = await writeRecordTable(transcript, target);
    const rows = readFileSync(target, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as TranscriptRow);
    assert.equal(rows.length, written.rows);
    return { rows, skippedLines: written.skippedLines };
  }
  const sum = (rows: TranscriptRow[], field: keyof TranscriptRow) => rows.reduce((total, row) => total + (row[field] as number), 0);

  it('has a row per content block, every row with the same columns, and the tokens summing to the analysis', async () => {
    const { rows, skippedLines } = await table(file);
    const analysis = await analyzeClaudeSession(file);
    assert.deepEqual(
      [sum(rows, 'input_tokens'), sum(rows, 'output_tokens'), sum(rows, 'cache_creation_input_tokens'), sum(rows, 'cache_read_input_tokens')],
      [analysis.usage.input_tokens, analysis.usage.output_tokens, analysis.usage.cache_creation_input_tokens, analysis.usage.cache_read_input_tokens],
    );
    const columns = Object.keys(rows[0]!).sort();
    assert.ok(rows.every((row) => JSON.stringify(Object.keys(row).sort()) === JSON.stringify(columns)));
    // The cut-off last line; agent-c3 belongs to another session.
    assert.equal(skippedLines, 1);
    assert.deepEqual([...new Set(rows.map((row) => row.source))], ['session', 'agent-b2', 'agent-a1']);
    // Unknown and content-less records are rows too.
    assert.ok(rows.some((row) => row.type === 'hologram' && row.block === null));
    assert.equal(rows.find((row) => row.type === 'summary')?.text, 'Fixing the login test');
  });

  it('names the tool each result answers, with its error', async () => {
    const { rows } = await table(file);
    const bashErrors = rows.filter((row) => row.block === 'tool_result' && row.tool === 'Bash' && row.is_error);
    assert.deepEqual(
      bashErrors.map((row) => row.text),
      ['exit 1: login.test.ts failed', 'exit 1: login.test.ts failed', 'exit 1'],
    );
    const read = rows.find((row) => row.block === 'tool_use' && row.tool === 'Read');
    assert.equal(read?.text, '{"file_path":"/work/app/src/login.ts"}');
    assert.equal(read.model, SONNET);
    assert.equal(rows.find((row) => row.block === 'tool_result' && row.tool === 'Read')?.text, 'export function login…');
  });

  it('reads the shared transcripts to the same token totals as jq, skipping what is not a record', async () => {
    const edge = await table(join(CORPUS, 'edge_cases.jsonl'));
    assert.deepEqual([sum(edge.rows, 'input_tokens'), sum(edge.rows, 'output_tokens'), edge.skippedLines], [488, 435, 4]);
    const todo = await table(join(CORPUS, 'todowrite_examples.jsonl'));
    assert.deepEqual([sum(todo.rows, 'input_tokens'), sum(todo.rows, 'output_tokens'), todo.skippedLines], [883, 328, 0]);
  });

  it('fails clearly, leaving no file, when the transcript does not exist', async () => {
    const target = join(dir.path, 'none.jsonl');
    await assert.rejects(writeRecordTable(join(dir.path, 'missing.jsonl'), target), /Cannot read the transcript .*missing\.jsonl: no such file/);
    assert.ok(!existsSync(target) && !existsSync(`${target}.partial`));
  });
});

describe('bad lines in a transcript', () => {
  const dir = tempDir('claude-code-bad');
  after(() => dir.cleanup());

  it('drops a line longer than the limit without holding it, and reads the next one', async () => {
    const file = join(dir.path, 'long.jsonl');
    const long = user('10:00:00', 'x'.repeat(5000));
    writeJsonl(file, [long, user('10:00:01', 'short prompt'), { type: 'summary', summary: 'ok' }]);
    const analysis = await analyzeClaudeSession(file, { maxLineBytes: 1000 });
    assert.deepEqual(
      analysis.skipped.map((entry) => [entry.line, entry.reason]),
      [[1, 'longer than 1000 bytes']],
    );
    assert.equal(analysis.prompts, 1);
    assert.equal(analysis.session.firstPrompt, 'short prompt');
    assert.equal(analysis.records.summary, 1);
  });

  it('reads records with missing or wrong-typed fields for what they hold', async () => {
    const file = join(dir.path, 'odd.jsonl');
    writeJsonl(file, [
      { type: 'assistant', message: { id: 'm1', model: 'claude-sonnet-4', usage: { input_tokens: 'many', output_tokens: -3 } } },
      { type: 'assistant', message: { id: 'm2', content: 'plain text', usage: null } },
      { type: 'assistant', message: 'error' },
      { type: 'user', message: { content: [42, null, 'text', { type: 'tool_result' }] } },
      { type: 'system' },
    ]);
    writeFileSync(file, '\n\n', { flag: 'a' });
    const analysis = await analyzeClaudeSession(file);
    assert.equal(analysis.skippedLines, 0);
    assert.equal(analysis.usage.input_tokens, 0);
    assert.equal(analysis.messages, 3);
    assert.equal(analysis.prompts, 0);
    assert.equal(analysis.session.durationMs, 0);
    assert.deepEqual(analysis.timeline, []);
  });

  it('fails clearly when the transcript does not exist', async () => {
    await assert.rejects(analyzeClaudeSession(join(dir.path, 'missing.jsonl')), /Cannot read the transcript .*missing.jsonl: no such file/);
    await assert.rejects(analyzeClaudeSession(dir.path), /it is not a file/);
  });
});
