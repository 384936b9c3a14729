/**
 * The tools a session type adds: transcript_records on a Log Analysis session's table (written
 * from the shared transcripts), and repository_map, each refusing clearly without what it reads.
 */
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeRecordTable } from '../../../server/logs/claudeCode/table';
import { WorkspaceFolders } from '../../../server/tools/confine';
import { BUILTIN_TOOLS, runTool } from '../../../server/tools/registry';
import type { ToolContext } from '../../../server/tools/types';
import { REPO, tempDir } from '../../support/paths';

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'claude-code-logs');

describe('session tools', () => {
  const dir = tempDir('session-tools');
  const table = join(dir.path, 'table.jsonl');
  const signal = new AbortController().signal;
  let context: ToolContext;
  const asked: string[] = [];
  const run = (name: string, input: unknown, over: Partial<ToolContext> = {}) => runTool(BUILTIN_TOOLS, name, input, { ...context, ...over }, signal);

  before(async () => {
    await writeRecordTable(join(CORPUS, 'edge_cases.jsonl'), table);
    const ws = realpathSync(dir.path);
    context = {
      folders: new WorkspaceFolders([ws]),
      editorState: () => Promise.resolve({ workspaceFolders: [ws], openFiles: [], diagnostics: [] }),
      showDocument: () => Promise.resolve(true),
      applyEdit: () => Promise.resolve(false),
      transcriptTable: table,
      repoMap: (path) => {
        asked.push(path);
        return Promise.resolve(path.endsWith('core.ts') ? 'src/core.ts\n  export function parse' : '');
      },
    };
  });
  after(() => dir.cleanup());

  it('are offered only to their session types', () => {
    const offered = (name: string) => BUILTIN_TOOLS.find((tool) => tool.name === name)?.sessionTypes;
    assert.deepEqual(offered('transcript_records'), ['log-analysis']);
    assert.ok(!offered('repository_map')?.includes('log-analysis'));
    assert.equal(offered('read_file'), undefined, 'the workspace tools serve every type');
  });

  it('finds the failing tool calls of a transcript, with their line and text', async () => {
    const result = await run('transcript_records', { errorsOnly: true });
    assert.equal(result.isError, undefined);
    assert.match(result.content, /^1 matching rows:\nsession:5 .*user tool_result FailingTool ERROR: .*Command not found/);
    const calls = await run('transcript_records', { tool: 'FailingTool' });
    assert.match(calls.content, /^2 matching rows:/, 'the call and its result');
    const limited = await run('transcript_records', { limit: 2 });
    assert.match(limited.content, /more match; narrow the search or raise the limit\)$/);
    assert.equal((await run('transcript_records', { contains: 'no such words here' })).content, 'No record of the transcript matches.');
  });

  it('says what to do in a session without a transcript, and rejects a bad limit', async () => {
    const result = await run('transcript_records', {}, { transcriptTable: undefined });
    assert.equal(result.isError, true);
    assert.match(result.content, /Analyze Claude Code Session/);
    assert.match((await run('transcript_records', { limit: 1000 })).content, /does not match its schema: "limit"/);
  });

  it('gives the repository map around a file, confined to the workspace', async () => {
    const map = await run('repository_map', { path: 'src/core.ts' });
    assert.match(map.content, /export function parse/);
    assert.equal(asked.at(-1), join(realpathSync(dir.path), 'src', 'core.ts'));
    assert.match((await run('repository_map', { path: 'src/other.ts' })).content, /nothing around src\/other\.ts yet/);
    assert.equal((await run('repository_map', { path: '../outside.ts' })).isError, true);
    assert.equal((await run('repository_map', { path: 'src/core.ts' }, { repoMap: undefined })).isError, true);
  });
});
