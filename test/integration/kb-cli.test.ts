/**
 * `npx parley kb …` as scripts use it, on notes of the real obsidian-hub vault: index, search
 * (one query and --queries), stats, bad arguments, and an index killed half-way that the next
 * run completes from a consistent database; and the bundle's local ONNX embedder, with a tiny
 * generated model (test/support/onnxModel.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { KbStats } from '../../protocol/knowledge';
import { runParley } from '../support/cli';
import { axis, writeModelFolder } from '../support/onnxModel';
import { CLI_BIN, REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';

const HUB = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
const PLUGINS = join(HUB, '02 - Community Expansions', '02.05 All Community Expansions', 'Plugins');

const parley = (args: string[]) => runParley(args, { timeoutMs: 120_000 });

function documentsIn(db: string): number {
  try {
    const reader = new BetterSqlite3(db, { readonly: true, fileMustExist: true });
    try {
      return reader.prepare('SELECT count(*) FROM documents').pluck().get() as number;
    } finally {
      reader.close();
    }
  } catch {
    return 0;
  }
}

describe('parley kb', () => {
  const dir = tempDir('kb-cli');
  const notes = join(dir.path, 'notes');
  const db = join(dir.path, 'kb.db');

  before(() => {
    cpSync(join(HUB, '05 - Concepts'), join(notes, 'Concepts'), { recursive: true });
    cpSync(join(HUB, '04 - Guides, Workflows, & Courses'), join(notes, 'Guides'), { recursive: true });
  });
  after(() => dir.cleanup());

  it('indexes a folder and prints the counts as JSON', async () => {
    const { code, stdout, stderr } = await parley(['kb', 'index', notes, '--db', db, '--json']);
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout) as { indexed: number; documents: number; chunks: number; embedder: string };
    assert.ok(summary.indexed > 50);
    assert.equal(summary.documents, summary.indexed);
    assert.match(summary.embedder, /^builtin:/);
    const again = JSON.parse((await parley(['kb', 'index', notes, '--db', db, '--json'])).stdout) as { indexed: number; unchanged: number };
    assert.deepEqual([again.indexed, again.unchanged], [0, summary.indexed]);
  });

  it('searches with paths relative to the indexed folder, best first', async () => {
    const { code, stdout } = await parley(['kb', 'search', 'typesetting math formulas', '--db', db, '--k', '5', '--json']);
    assert.equal(code, 0);
    const results = JSON.parse(stdout) as { path: string; heading: string; score: number; snippet: string }[];
    assert.ok(results.length > 0 && results.length <= 5, `at most k results (${results.length})`);
    assert.ok(
      results.some((r) => r.path === 'Concepts/LaTeX.md'),
      'the LaTeX note is among the best five',
    );
    assert.ok(results.every((r, i) => i === 0 || r.score <= results[i - 1]!.score));
    assert.ok(!results[0]!.path.startsWith('/'));
  });

  it('answers one JSON array per line for --queries, in order', async () => {
    const queries = join(dir.path, 'queries.txt');
    writeFileSync(queries, 'typesetting math formulas\n\nLaTeX\n');
    const { code, stdout } = await parley(['kb', 'search', '--queries', queries, '--db', db, '--k', '3']);
    assert.equal(code, 0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string }[]);
    assert.equal(lines.length, 3);
    assert.equal(lines[1]!.length, 0);
    assert.equal(lines[2]![0]!.path, 'Concepts/LaTeX.md');
  });

  it('prints stats and rejects bad arguments with a one-line reason', async () => {
    const stats = JSON.parse((await parley(['kb', 'stats', '--db', db, '--json'])).stdout) as KbStats;
    assert.equal(stats.embedded, stats.chunks);
    assert.equal(stats.sources.length, 1);
    const bad = await parley(['kb', 'search', 'x', '--db', db, '--k', 'many']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^parley: --k must be a whole number/);
    assert.equal((await parley(['kb', 'index', '--db', db])).code, 2);
    assert.equal((await parley(['kb', 'frobnicate'])).code, 2);
  });

  it('finishes an index that was killed half-way, from a consistent database', async () => {
    const big = join(dir.path, 'plugins');
    cpSync(PLUGINS, big, { recursive: true });
    const total = readdirSync(big, { recursive: true }).filter((name) => String(name).endsWith('.md')).length;
    const crashDb = join(dir.path, 'crash.db');
    const child = spawn(process.execPath, [CLI_BIN, 'kb', 'index', big, '--db', crashDb], { stdio: 'ignore', timeout: 120_000 });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => documentsIn(crashDb) > 100, { timeoutMs: 60_000, intervalMs: 50, what: 'the index to be under way' });
    child.kill('SIGKILL');
    await exited;
    const partial = documentsIn(crashDb);
    assert.ok(partial > 0 && partial < total, `killed half-way (${partial} of ${total})`);
    const resumed = JSON.parse((await parley(['kb', 'index', big, '--db', crashDb, '--json'])).stdout) as {
      indexed: number;
      unchanged: number;
      documents: number;
      chunks: number;
      embeddedTotal: number;
    };
    assert.equal(resumed.documents, total);
    assert.ok(resumed.unchanged >= partial - 64, 'documents committed before the kill are not indexed again');
    assert.equal(resumed.embeddedTotal, resumed.chunks);
    const reader = new BetterSqlite3(crashDb, { readonly: true });
    try {
      assert.equal(reader.prepare('PRAGMA integrity_check').pluck().get(), 'ok');
      assert.equal(reader.prepare('SELECT count(*) FROM chunks_fts').pluck().get(), resumed.chunks);
    } finally {
      reader.close();
    }
  });

  it('embeds with a local ONNX model from PARLEY_EMBEDDINGS_MODEL_FOLDER, and says what to fix when there is none', async () => {
    const model = join(dir.path, 'model');
    writeModelFolder(model, { vectors: { plugin: axis(0, 3), extension: axis(0, 3), slow: axis(1, 3), sluggish: axis(1, 3), bread: axis(2, 3) } });
    const vault = join(dir.path, 'meaning');
    mkdirSync(vault);
    writeFileSync(join(vault, 'Debugging.md'), '# Debugging\n\nTurn off one plugin at a time to find the slow one.\n');
    writeFileSync(join(vault, 'Baking.md'), '# Baking\n\nBread wants time.\n');
    const onnxDb = join(dir.path, 'onnx.db');
    const env = { PARLEY_EMBEDDINGS: 'onnx', PARLEY_EMBEDDINGS_MODEL_FOLDER: model };
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => runParley(args, { timeoutMs: 120_000, env: { ...env, ...extra } });
    const indexed = await run(['kb', 'index', vault, '--db', onnxDb, '--json']);
    assert.equal(indexed.code, 0, indexed.stderr);
    const summary = JSON.parse(indexed.stdout) as { embedder: string; chunks: number; embeddedTotal: number };
    assert.match(summary.embedder, /^onnx:model:[0-9a-f]{16}:3$/);
    assert.equal(summary.embeddedTotal, summary.chunks);
    const found = await run(['kb', 'search', 'extension sluggish', '--db', onnxDb, '--json']);
    assert.equal(found.code, 0, found.stderr);
    assert.equal((JSON.parse(found.stdout) as { path: string }[])[0]?.path, 'Debugging.md');

    const missing = await run(['kb', 'search', 'extension', '--db', onnxDb], { PARLEY_EMBEDDINGS_MODEL_FOLDER: join(dir.path, 'no-model') });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /The model folder .*no-model does not exist/);
  });
});
