/**
 * Knowledge base figures, in-process with the built-in embedder:
 *   ingest    the whole obsidian-hub vault into a fresh database (notes/s, passages/s, peak RSS)
 *   quality   the known-item questions of bench/kb-questions.tsv against that database: MRR@10 and
 *             Recall@10 of BM25 alone, the vector leg alone and hybrid (a question counts as found
 *             when any passage of its note is in the top 10)
 *   latency   p50/p95 of the same questions at about 10k and about 100k passages (the vault's notes
 *             cut down, or copied into renamed folders), per mode; BM25 alone is the baseline
 * The questions' vector weight was tuned on the odd-numbered lines, so quality is also reported
 * on the even-numbered lines alone.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stderrLogger } from '../server/log';
import { BuiltinEmbedder } from '../server/knowledge/embed/builtin';
import { KnowledgeBase } from '../server/knowledge/knowledgeBase';
import type { SearchMode } from '../server/knowledge/search';
import { openDatabase } from '../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../server/storage/migrations';
import { REPO } from '../test/support/paths';
import { median, printTable, type Row } from './stats';

const VAULT = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
const MODES: SearchMode[] = ['bm25', 'vector', 'hybrid'];
/** Latency passes over all questions per size; the first pass of each size only warms the caches. */
const PASSES = Number(process.env.BENCH_KB_PASSES ?? 3);
const SIZES = [10_000, 100_000];
const log = stderrLogger('error');
/** No bundled addons: the bench runs from source, with node_modules' builds for this Node. */
const NATIVE_FROM_NODE_MODULES = '/nonexistent';

interface Question {
  query: string;
  relPath: string;
  line: number;
}

function questions(): Question[] {
  const lines = readFileSync(join(REPO, 'bench', 'kb-questions.tsv'), 'utf8').split('\n');
  return lines
    .filter((line) => line && !line.startsWith('#'))
    .map((line, i) => {
      const [query, relPath] = line.split('\t') as [string, string];
      return { query, relPath, line: i + 1 };
    });
}

function openKb(file: string): KnowledgeBase {
  const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: NATIVE_FROM_NODE_MODULES, log, label: 'knowledge base' });
  return new KnowledgeBase({ db, file, embedder: new BuiltinEmbedder(), log });
}

function noteFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.(md|txt)$/i.test(path) && statSync(join(dir, path)).isFile())
    .sort();
}

/** A folder of about `chunks` passages: the vault's notes in order, in as many renamed copies as it takes. */
function replicate(target: string, chunks: number, vaultChunks: number): void {
  const files = noteFiles(VAULT);
  let wanted = Math.round((files.length * chunks) / vaultChunks);
  for (let copy = 0; wanted > 0; copy++) {
    for (const file of files.slice(0, wanted)) {
      const to = join(target, `copy ${copy}`, file);
      mkdirSync(join(to, '..'), { recursive: true });
      cpSync(join(VAULT, file), to);
    }
    wanted -= files.length;
  }
}

async function ingest(folder: string, db: string): Promise<{ notes: number; chunks: number; ms: number; rssMb: number }> {
  const kb = openKb(db);
  const result = await kb.add(folder);
  const stats = kb.stats();
  kb.dispose();
  return { notes: result.indexed, chunks: stats.chunks, ms: result.elapsedMs, rssMb: process.resourceUsage().maxRSS / 1024 };
}

async function quality(kb: KnowledgeBase, qs: Question[], mode: SearchMode) {
  const ranks: (number | undefined)[] = [];
  for (const q of qs) {
    const found = (await kb.search({ query: q.query, k: 10, mode })).findIndex((p) => p.relPath === q.relPath);
    ranks.push(found >= 0 ? found + 1 : undefined);
  }
  const score = (keep: (q: Question) => boolean) => {
    const kept = ranks.filter((_, i) => keep(qs[i]!));
    return { mrr: kept.reduce<number>((sum, rank) => sum + (rank ? 1 / rank : 0), 0) / kept.length, recall: kept.filter(Boolean).length / kept.length };
  };
  return { mode, all: score(() => true), even: score((q) => q.line % 2 === 0) };
}

async function latencies(kb: KnowledgeBase, qs: Question[]): Promise<Record<SearchMode, number[]>> {
  const times: Record<SearchMode, number[]> = { bm25: [], vector: [], hybrid: [] };
  for (let pass = 0; pass < PASSES; pass++) {
    for (const mode of MODES) {
      for (const q of qs) {
        const startedAt = performance.now();
        await kb.search({ query: q.query, k: 10, mode });
        if (pass > 0) times[mode].push(performance.now() - startedAt);
      }
    }
  }
  return times;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const work = join(tmpdir(), `parley-bench-kb-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const qs = questions();
    const vault = await ingest(VAULT, join(work, 'vault.db'));
    const ingestRows: Row[] = [
      { metric: `ingest ${vault.notes} notes → ${vault.chunks} passages`, median: vault.ms / 1000, unit: 's' },
      { metric: 'ingest notes/s', median: vault.notes / (vault.ms / 1000), unit: 'notes/s' },
      { metric: 'ingest passages/s', median: vault.chunks / (vault.ms / 1000), unit: 'passages/s' },
      { metric: 'peak RSS of the process after ingest', median: vault.rssMb, unit: 'MB' },
    ];
    printTable('Ingest (obsidian-hub, built-in embedder)', ingestRows);

    const kb = openKb(join(work, 'vault.db'));
    const scores = [];
    for (const mode of MODES) scores.push(await quality(kb, qs, mode));
    kb.dispose();
    console.log(`\n### Quality (${qs.length} known-item questions, ${vault.chunks} passages)\n`);
    console.log('| mode | MRR@10 | Recall@10 | MRR@10 (even lines) | Recall@10 (even lines) |\n|---|---|---|---|---|');
    for (const s of scores)
      console.log(`| ${s.mode} | ${s.all.mrr.toFixed(3)} | ${s.all.recall.toFixed(3)} | ${s.even.mrr.toFixed(3)} | ${s.even.recall.toFixed(3)} |`);

    for (const size of SIZES) {
      const folder = join(work, `notes-${size}`);
      replicate(folder, size, vault.chunks);
      const built = await ingest(folder, join(work, `${size}.db`));
      const sized = openKb(join(work, `${size}.db`));
      const times = await latencies(sized, qs);
      sized.dispose();
      const bm25 = { name: 'BM25 alone', median: percentile(times.bm25, 50) };
      const bm25p95 = { name: 'BM25 alone', median: percentile(times.bm25, 95) };
      printTable(`Query latency at ${built.chunks} passages (${qs.length} questions × ${PASSES - 1} passes, k = 10, passages with snippets)`, [
        { metric: 'BM25 p50', median: bm25.median, unit: 'ms' },
        { metric: 'BM25 p95', median: bm25p95.median, unit: 'ms' },
        { metric: 'vector p50', median: percentile(times.vector, 50), unit: 'ms', baseline: bm25 },
        { metric: 'vector p95', median: percentile(times.vector, 95), unit: 'ms', baseline: bm25p95 },
        { metric: 'hybrid p50', median: percentile(times.hybrid, 50), unit: 'ms', baseline: bm25 },
        { metric: 'hybrid p95', median: percentile(times.hybrid, 95), unit: 'ms', baseline: bm25p95, budget: size >= 100_000 ? 20 : undefined },
      ]);
      console.log(
        `(median of all hybrid queries: ${median(times.hybrid).toFixed(1)} ms; folder ${relative(work, folder)}, ingest ${(built.ms / 1000).toFixed(0)} s)`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
