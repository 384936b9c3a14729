/** `npx parley logs …` as a user runs it: the bin script, the built bundle, a transcript of the shared corpus. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI_BIN, REPO, tempDir } from '../support/paths';

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'claude-code-logs');

function parley(args: string[]) {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('parley logs', () => {
  const dir = tempDir('logs-cli');
  after(() => dir.cleanup());

  it('analyze --json prints the documented shape with usage, cost, tools and skipped lines', () => {
    const { code, stdout, stderr } = parley(['logs', 'analyze', join(CORPUS, 'edge_cases.jsonl'), '--json']);
    assert.equal(code, 0, stderr);
    const analysis = JSON.parse(stdout);
    for (const key of ['session', 'messages', 'usage', 'costUsd', 'tools', 'errors', 'files', 'timeline', 'skippedLines']) assert.ok(key in analysis, key);
    assert.equal(analysis.session.id, 'edge_cases');
    assert.deepEqual(Object.keys(analysis.usage).slice(0, 4), ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']);
    assert.equal(analysis.usage.input_tokens, 488);
    assert.deepEqual(analysis.tools.FailingTool, { calls: 1, errors: 1 });
    assert.equal(analysis.skippedLines, 4);
    // claude-3-sonnet and claude-sonnet-4 at $3 in and $15 out per million.
    assert.equal(analysis.costUsd, (488 * 3 + 435 * 15) / 1e6);
  });

  it('analyze without --json prints a summary a person can read', () => {
    const { code, stdout } = parley(['logs', 'analyze', join(CORPUS, 'todowrite_examples.jsonl')]);
    assert.equal(code, 0);
    assert.match(stdout, /Session todowrite_session in \/tmp/);
    assert.match(stdout, /TodoWrite: 3 calls/);
  });

  it('analyze with a price table of the user’s own, and a clear error for one with a typo', () => {
    const good = join(dir.path, 'prices.json');
    writeFileSync(good, JSON.stringify({ models: { claude: { inputPerMTok: 1000000, outputPerMTok: 0 } } }));
    const priced = parley(['logs', 'analyze', join(CORPUS, 'session_b.jsonl'), '--json', '--prices', good]);
    assert.equal(priced.code, 0, priced.stderr);
    assert.equal(JSON.parse(priced.stdout).costUsd, 20);
    const typo = join(dir.path, 'typo.json');
    writeFileSync(typo, JSON.stringify({ models: { claude: { inputPerMtok: 1, outputPerMTok: 1 } } }));
    const refused = parley(['logs', 'analyze', join(CORPUS, 'session_b.jsonl'), '--prices', typo]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^parley: The price table .*typo\.json is not valid: models\.claude/);
  });

  it('list --json finds the sessions of a projects folder', () => {
    const projects = join(dir.path, 'projects', '-tmp');
    mkdirSync(projects, { recursive: true });
    copyFileSync(join(CORPUS, 'representative_messages.jsonl'), join(projects, 'test_session.jsonl'));
    const { code, stdout, stderr } = parley(['logs', 'list', '--json', '--dir', join(dir.path, 'projects')]);
    assert.equal(code, 0, stderr);
    const [entry, ...rest] = JSON.parse(stdout);
    assert.equal(rest.length, 0);
    assert.equal(entry.id, 'test_session');
    assert.equal(entry.project, '/tmp');
    assert.equal(entry.firstPrompt, 'Hello Claude! Can you help me understand how Python decorators work?');
  });

  it('exits 2 with the reason for a wrong command and 1 for a missing file', () => {
    const unknown = parley(['logs', 'sumarize']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown logs command "sumarize"/);
    const missing = parley(['logs', 'analyze', join(dir.path, 'nope.jsonl')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^parley: Cannot read the transcript .*nope.jsonl: no such file/);
  });
});
