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
 *   own words the questions of bench/kb-questions-own-words.tsv, written in a user's words rather
 *             than the note's (issue 15), per half (tune, held-out), against a whole-note SQLite
 *             FTS5 BM25 baseline built from the same notes in the same run
 *   man pages known items on Debian's man pages (bench/manpages.ts), never tuned on, against the
 *             same whole-note baseline: a check that nothing regressed on text nobody here wrote
 *   dense     latency at about 100k passages with a dense embedder, which searches the whole vector
 *             index: a generated ONNX model (test/support/onnxModel.ts) whose vocabulary is the
 *             vault's commonest words with random vectors, so the vectors are dense and the query's
 *             model run is nearly free (a real model's forward pass comes on top)
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { VISIBILITY_LEVELS } from '../protocol/knowledge';
import { stderrLogger } from '../server/log';
import { BuiltinEmbedder } from '../server/knowledge/embed/builtin';
import type { Embedder } from '../server/knowledge/embed/embedder';
import { OnnxEmbedder } from '../server/knowledge/embed/onnx';
import { KnowledgeBase } from '../server/knowledge/knowledgeBase';
import { DEFAULT_WEIGHTS, type SearchMode } from '../server/knowledge/search';
import { openDatabase } from '../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../server/storage/migrations';
import { writeModelFolder } from '../test/support/onnxModel';
import { REPO } from '../test/support/paths';
import { manPageCorpus } from './manpages';
import { knownItemQuestions, ownWordQuestions, rankOf, scored, type OwnWordQuestion, type Question } from './questions';
import { median, percentile, printTable, type Row } from './stats';

const VAULT = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
const MODES: SearchMode[] = ['bm25', 'vector', 'hybrid'];
/** Latency passes over all questions per size; the first pass of each size only warms the caches. */
const PASSES = Number(process.env.BENCH_KB_PASSES ?? 3);
/** Passage counts the latency runs at; `BENCH_KB_SIZES=` (empty) leaves the latency runs out. */
const SIZES = (process.env.BENCH_KB_SIZES ?? '10000,100000').split(',').filter(Boolean).map(Number);
/** `BENCH_KB_MAN=0` leaves the man pages out; `BENCH_KB_DENSE=0` the dense embedder's latency run. */
const MAN_PAGES = process.env.BENCH_KB_MAN !== '0';
const DENSE = process.env.BENCH_KB_DENSE !== '0';
const DENSE_VOCABULARY = 30_000;
const DENSE_DIMENSIONS = 384;
const log = stderrLogger('error');
/** No bundled addons: the bench runs from source, with node_modules' builds for this Node. */
const NATIVE_FROM_NODE_MODULES = '/nonexistent';

/**
 * The baseline the issue names: plain SQLite FTS5 BM25 over whole notes (title and text, porter
 * stemming), each question's words ORed. The 1-based rank of each question's note in the top 10.
 */
function wholeNoteRanks(qs: readonly Pick<Question, 'query' | 'relPath'>[], folder = VAULT): (number | undefined)[] {
  const db = new BetterSqlite3(':memory:');
  try {
    db.exec("CREATE VIRTUAL TABLE notes USING fts5(path UNINDEXED, title, body, tokenize = 'porter unicode61')");
    const insert = db.prepare('INSERT INTO notes (path, title, body) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const path of noteFiles(folder)) insert.run(path, path.replace(/^.*\//, '').replace(/\.md$/i, ''), readFileSync(join(folder, path), 'utf8'));
    })();
    const search = db.prepare('SELECT path FROM notes WHERE notes MATCH ? ORDER BY bm25(notes) LIMIT 10');
    return qs.map((q) => {
      const words = q.query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      if (words.length === 0) return undefined;
      return rankOf(search.all(words.map((word) => `"${word}"`).join(' OR ')) as { path: string }[], (row) => row.path === q.relPath);
    });
  } finally {
    db.close();
  }
}

async function ranksOf(kb: KnowledgeBase, qs: readonly Pick<Question, 'query' | 'relPath'>[], mode: SearchMode): Promise<(number | undefined)[]> {
  const ranks: (number | undefined)[] = [];
  for (const q of qs) {
    ranks.push(rankOf(await kb.search({ query: q.query, k: 10, mode }), (p) => p.relPath === q.relPath));
  }
  return ranks;
}

async function ownWords(kb: KnowledgeBase): Promise<void> {
  const qs = ownWordQuestions();
  const rows: { name: string; ranks: (number | undefined)[] }[] = [{ name: 'FTS5 BM25, whole notes (baseline)', ranks: wholeNoteRanks(qs) }];
  for (const mode of MODES) rows.push({ name: `Parley ${mode}`, ranks: await ranksOf(kb, qs, mode) });
  const base = rows[0]!;
  console.log(
    `\n### Questions in the user's own words (${qs.length}: ${qs.filter((q) => q.half === 'tune').length} tune, ${qs.filter((q) => q.half === 'held-out').length} held out)\n`,
  );
  console.log('| search | MRR@10 tune | MRR@10 held out | MRR@10 all | Recall@10 all | MRR ratio to the baseline (all) |\n|---|---|---|---|---|---|');
  for (const { name, ranks } of rows) {
    const half = (which: OwnWordQuestion['half']) => scored(ranks.filter((_, i) => qs[i]!.half === which)).mrr.toFixed(3);
    const all = scored(ranks);
    console.log(
      `| ${name} | ${half('tune')} | ${half('held-out')} | ${all.mrr.toFixed(3)} | ${all.recall.toFixed(3)} | ${(all.mrr / scored(base.ranks).mrr).toFixed(2)}× |`,
    );
  }
}

/** Man pages as known items: Parley's three modes against the whole-note baseline, in the same run. */
async function manPages(work: string): Promise<void> {
  const folder = join(work, 'man');
  const startedAt = performance.now();
  const corpus = await manPageCorpus(folder);
  const renderS = (performance.now() - startedAt) / 1000;
  const built = await ingest(folder, join(work, 'man.db'));
  const kb = openKb(join(work, 'man.db'));
  const rows = [{ name: 'FTS5 BM25, whole notes (baseline)', ranks: wholeNoteRanks(corpus.questions, folder) }];
  for (const mode of MODES) rows.push({ name: `Parley ${mode}`, ranks: await ranksOf(kb, corpus.questions, mode) });
  kb.dispose();
  const base = scored(rows[0]!.ranks).mrr;
  console.log(
    `\n### Man pages as known items (${corpus.questions.length} questions over ${corpus.pages} pages of man1 and man8, ${built.chunks} passages; rendered in ${renderS.toFixed(0)} s)\n`,
  );
  console.log('| search | MRR@10 | Recall@10 | MRR ratio to the baseline |\n|---|---|---|---|');
  for (const { name, ranks } of rows) {
    const { mrr, recall } = scored(ranks);
    console.log(`| ${name} | ${mrr.toFixed(3)} | ${recall.toFixed(3)} | ${(mrr / base).toFixed(2)}× |`);
  }
}

/** A seeded generator of numbers spread around 0 (the sum of four uniforms), for repeatable vectors. */
function randomNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => uniform() + uniform() + uniform() + uniform() - 2;
}

/** A generated model over the vault's commonest words, each with a random 384-dimensional vector. */
function writeDenseModel(dir: string): void {
  const counts = new Map<string, number>();
  for (const path of noteFiles(VAULT))
    for (const word of readFileSync(join(VAULT, path), 'utf8')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [])
      counts.set(word, (counts.get(word) ?? 0) + 1);
  const words = [...counts].sort((a, b) => b[1] - a[1]).slice(0, DENSE_VOCABULARY);
  const next = randomNormal(15);
  const vectors = Object.fromEntries(words.map(([word]) => [word, Array.from({ length: DENSE_DIMENSIONS }, next)]));
  writeModelFolder(dir, { vectors: { '[UNK]': Array.from({ length: DENSE_DIMENSIONS }, next), ...vectors }, maxSeqLength: 256 });
}

function openKb(file: string, embedder: Embedder = new BuiltinEmbedder()): KnowledgeBase {
  const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: NATIVE_FROM_NODE_MODULES, log, label: 'knowledge base' });
  return new KnowledgeBase({ db, file, embedder, log });
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

async function ingest(folder: string, db: string, embedder?: Embedder): Promise<{ notes: number; chunks: number; ms: number; rssMb: number }> {
  const kb = openKb(db, embedder);
  const result = await kb.add(folder);
  const stats = kb.stats();
  kb.dispose();
  return { notes: result.indexed, chunks: stats.chunks, ms: result.elapsedMs, rssMb: process.resourceUsage().maxRSS / 1024 };
}

async function quality(kb: KnowledgeBase, qs: Question[], mode: SearchMode) {
  const ranks = await ranksOf(kb, qs, mode);
  const score = (keep: (q: Question) => boolean) => scored(ranks.filter((_, i) => keep(qs[i]!)));
  return { mode, all: score(() => true), even: score((q) => q.line % 2 === 0) };
}

/** Latencies by mode, and of hybrid search without its whole-note leg (`hybridWithoutNotes`), the runs interleaved. */
type Latencies = Record<SearchMode | 'hybridWithoutNotes', number[]>;

async function latencies(kb: KnowledgeBase, qs: Question[]): Promise<Latencies> {
  const times: Latencies = { bm25: [], vector: [], hybrid: [], hybridWithoutNotes: [] };
  const runs: { series: keyof Latencies; mode: SearchMode; weights?: typeof DEFAULT_WEIGHTS }[] = [
    ...MODES.map((mode) => ({ series: mode, mode })),
    { series: 'hybridWithoutNotes', mode: 'hybrid', weights: { ...DEFAULT_WEIGHTS, note: 0 } },
  ];
  for (let pass = 0; pass < PASSES; pass++) {
    for (const run of runs) {
      for (const q of qs) {
        const startedAt = performance.now();
        await kb.search({ query: q.query, k: 10, mode: run.mode, ...(run.weights ? { weights: run.weights } : {}) });
        if (pass > 0) times[run.series].push(performance.now() - startedAt);
      }
    }
  }
  return times;
}

/** Hybrid search at the same size with a dense embedder, whose vector leg scans the whole vector index. */
async function denseLatency(work: string, folder: string, qs: Question[]): Promise<void> {
  const model = join(work, 'dense-model');
  writeDenseModel(model);
  // A knowledge base frees its embedder when disposed, so the searching one loads the model again.
  const built = await ingest(folder, join(work, 'dense.db'), await OnnxEmbedder.load(model));
  const embedder = await OnnxEmbedder.load(model);
  const kb = openKb(join(work, 'dense.db'), embedder);
  const { chunks, embedded } = kb.stats();
  if (embedded !== chunks) throw new Error(`The dense embedder embedded ${embedded} of ${chunks} passages.`);
  const vectors = kb.store.vectors;
  const visibilities = [...VISIBILITY_LEVELS];
  const queries = await Promise.all(qs.map((q) => embedder.embedQuery(q.query)));
  // The knowledge base reads the compact copy in the background; here it is awaited, and timed.
  const loadStart = performance.now();
  await vectors.loadCompact();
  const loadMs = performance.now() - loadStart;
  const exactMs: number[] = [];
  const approximateMs: number[] = [];
  const overlap: number[] = [];
  for (const query of queries) {
    let startedAt = performance.now();
    const exact = vectors.nearest(query, 50, visibilities);
    exactMs.push(performance.now() - startedAt);
    startedAt = performance.now();
    const approximate = new Set(vectors.nearest(query, 50, visibilities, true).map((hit) => hit.chunkId));
    approximateMs.push(performance.now() - startedAt);
    overlap.push(exact.slice(0, 10).filter((hit) => approximate.has(hit.chunkId)).length / Math.min(10, exact.length));
  }
  const times = await latencies(kb, qs);
  kb.dispose();
  const exactScan = { name: 'exact scan (sqlite-vec)', median: median(exactMs) };
  printTable(`The vector leg at ${built.chunks} passages, dense vectors: exact scan against the compact copy (k = 50)`, [
    { metric: 'exact scan', median: exactScan.median, unit: 'ms' },
    { metric: 'compact copy: sign patterns, 8-bit codes, top k read back', median: median(approximateMs), unit: 'ms', baseline: exactScan },
    { metric: 'reading the compact copy (in slices, in the background)', median: loadMs, unit: 'ms' },
  ]);
  console.log(
    `(recall@10 of the compact copy against the exact scan's top 10: ${(overlap.reduce((a, b) => a + b, 0) / overlap.length).toFixed(3)}, mean of ${overlap.length} questions)`,
  );
  printTable(
    `Query latency at ${built.chunks} passages with a dense ${embedder.dimensions}-dimensional embedder (generated ONNX model; ingest ${(built.ms / 1000).toFixed(0)} s)`,
    latencyRows(times, 20),
  );
}

/** Each mode's p50 and p95, against BM25 alone's in the same run. */
function latencyRows(times: Latencies, hybridBudget?: number): Row[] {
  const bm25 = { name: 'BM25 alone', median: percentile(times.bm25, 50) };
  const bm25p95 = { name: 'BM25 alone', median: percentile(times.bm25, 95) };
  const withoutNotes = (p: number) => ({ name: 'hybrid without the note leg', median: percentile(times.hybridWithoutNotes, p) });
  return [
    { metric: 'BM25 p50', median: bm25.median, unit: 'ms' },
    { metric: 'BM25 p95', median: bm25p95.median, unit: 'ms' },
    { metric: 'vector p50', median: percentile(times.vector, 50), unit: 'ms', baseline: bm25 },
    { metric: 'vector p95', median: percentile(times.vector, 95), unit: 'ms', baseline: bm25p95 },
    { metric: 'hybrid p50', median: percentile(times.hybrid, 50), unit: 'ms', baseline: bm25 },
    { metric: 'hybrid p95', median: percentile(times.hybrid, 95), unit: 'ms', baseline: bm25p95, budget: hybridBudget },
    { metric: 'hybrid p50', median: percentile(times.hybrid, 50), unit: 'ms', baseline: withoutNotes(50) },
    { metric: 'hybrid p95', median: percentile(times.hybrid, 95), unit: 'ms', baseline: withoutNotes(95) },
  ];
}

async function main(): Promise<void> {
  const work = join(tmpdir(), `parley-bench-kb-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const qs = knownItemQuestions();
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
    await ownWords(kb);
    kb.dispose();
    if (MAN_PAGES) await manPages(work);
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
      printTable(
        `Query latency at ${built.chunks} passages (${qs.length} questions × ${PASSES - 1} passes, k = 10, passages with snippets)`,
        latencyRows(times, size >= 100_000 ? 20 : undefined),
      );
      console.log(
        `(median of all hybrid queries: ${median(times.hybrid).toFixed(1)} ms; folder ${relative(work, folder)}, ingest ${(built.ms / 1000).toFixed(0)} s)`,
      );
      if (size >= 100_000 && DENSE) await denseLatency(work, folder, qs);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
