/**
 * Repository map figures on a large real code base: about 4,000 TypeScript and JavaScript files
 * (the openai, @anthropic-ai/sdk, @typescript-eslint and eslint packages from node_modules, copied
 * into a fresh git repository with their dist/ folders renamed so the scanner does not skip them
 * as vendored). The baseline is universal-ctags on exactly the files Parley scanned, in the same
 * run: ctags gives definitions only, Parley definitions and references plus the ranked map.
 * Also: listing code actions (Fix / Explain with Parley) through the built server over stdio.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeActionKind, CodeActionRequest, type Diagnostic } from 'vscode-languageserver-protocol';
import { RepoIndex, scanRepository } from '../server/repo';
import { REPO, tempDir } from '../test/support/paths';
import { startServer } from '../test/support/server';
import { buildCorpus } from './corpus';
import { ensureCtags } from './ctags';
import { median, printTable } from './stats';
import { setWorkspaceTrusted } from '../server/process/trust';
import { SERVER_NODE_FLAGS } from '../protocol/serverProcess';

// The benchmarks measure a trusted workspace, where git lists the files and reads the history.
setWorkspaceTrusted(true);

/** The built server's native folder: the parser threads run the shipped worker bundle and grammars. */
const NATIVE_DIR = join(REPO, 'dist', 'native');
const RUNS = Number(process.env.BENCH_REPO_RUNS ?? 3);
const EDITS_PER_RUN = 5;
const LISTING_REQUESTS = 500;
const LISTING_DIAGNOSTICS = 200;

const TIME = '/usr/bin/time';

/** One ctags run over the list: wall time, tag count and peak RSS (when /usr/bin/time exists). */
function runCtags(root: string, list: string, tags: string): { ms: number; tags: number; rssMb?: number } {
  const timed = spawnSync(TIME, ['--version'], { stdio: 'ignore' }).status === 0;
  const [command, args] = timed ? [TIME, ['-f', 'maxrss=%M', 'ctags', '-L', list, '-f', tags]] : ['ctags', ['-L', list, '-f', tags]];
  const started = performance.now();
  const run = spawnSync(command, args as string[], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  const rss = /maxrss=(\d+)/.exec(run.stderr ?? '')?.[1];
  const count = readFileSync(tags, 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('!_')).length;
  return { ms, tags: count, rssMb: rss ? Number(rss) / 1024 : undefined };
}

const CLI = join(REPO, 'dist', 'cli.js');

/**
 * The peak RSS of a process of its own that builds the index cold and prints the map: the built
 * command line (`parley repomap --no-cache`, the same RepoIndex and parser threads as the server)
 * under the server's Node flags, measured by /usr/bin/time as ctags is. Undefined without it.
 */
function processPeakMb(root: string): number | undefined {
  if (spawnSync(TIME, ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const run = spawnSync(TIME, ['-f', 'maxrss=%M', process.execPath, ...SERVER_NODE_FLAGS, CLI, 'repomap', root, '--no-cache'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`parley repomap failed (${run.status}): ${run.stderr}`);
  const rss = /maxrss=(\d+)/.exec(run.stderr ?? '')?.[1];
  return rss ? Number(rss) / 1024 : undefined;
}

interface ParleyRun {
  fullMs: number;
  /** Writing the symbol cache, which the index does after the map is in the caller's hands. */
  cacheWriteMs: number;
  /** Peak RSS of a cold build in a process of its own; undefined without /usr/bin/time. */
  rssMb?: number;
  /** The same process on an empty folder: Node, the bundle and no index. */
  idleRssMb?: number;
  files: number;
  defs: number;
  refs: number;
  incrementalMs: number[];
  cachedMs: number;
}

/** Full extraction and map, then edits of the most central file, then a second index from the cache file. */
async function runParley(root: string, emptyRoot: string, cacheFile: string): Promise<ParleyRun> {
  const rssMb = processPeakMb(root);
  const idleRssMb = processPeakMb(emptyRoot);
  const started = performance.now();
  const index = new RepoIndex(root, { cacheFile, nativeDir: NATIVE_DIR });
  const incrementalMs: number[] = [];
  try {
    await index.refresh();
    const map = index.map({ tokens: 1024 });
    const fullMs = performance.now() - started;
    const writeStarted = performance.now();
    index.saveCache();
    const cacheWriteMs = performance.now() - writeStarted;
    const central = map.files[0]!.path;
    for (let edit = 0; edit < EDITS_PER_RUN; edit++) {
      appendFileSync(join(root, central), `\n// edit ${edit}\n`);
      const editStarted = performance.now();
      await index.refresh([central]);
      index.map({ tokens: 1024, focus: [central] });
      incrementalMs.push(performance.now() - editStarted);
    }
    return {
      fullMs,
      cacheWriteMs,
      ...(rssMb === undefined ? {} : { rssMb }),
      ...(idleRssMb === undefined ? {} : { idleRssMb }),
      files: map.stats.files,
      defs: map.stats.definitions,
      refs: map.stats.references,
      incrementalMs,
      cachedMs: await cachedRun(root, cacheFile),
    };
  } finally {
    await index.dispose();
    execFileSync('git', ['-C', root, 'checkout', '-q', '--', '.']);
  }
}

async function cachedRun(root: string, cacheFile: string): Promise<number> {
  const started = performance.now();
  const index = new RepoIndex(root, { cacheFile, nativeDir: NATIVE_DIR });
  try {
    await index.refresh();
    index.map({ tokens: 1024 });
    return performance.now() - started;
  } finally {
    await index.dispose();
  }
}

interface ListingRun {
  ms: number[];
  /** The same requests with `only: ['source']`, which the server answers empty: transport and JSON alone. */
  baselineMs: number[];
}

/**
 * Listing code actions through the built server over stdio, as the lightbulb asks: each request
 * carries many problems in range. Alternated with the baseline so load drifts hit both alike.
 */
async function codeActionListing(root: string): Promise<ListingRun> {
  const dir = tempDir('bench-fixes');
  const server = await startServer({ storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') } });
  try {
    const uri = pathToFileURL(join(root, 'src', 'index.ts')).href;
    const diagnostics: Diagnostic[] = Array.from({ length: LISTING_DIAGNOSTICS }, (_, index) => ({
      range: { start: { line: index % 50, character: 4 }, end: { line: index % 50, character: 12 } },
      message: `Type 'string' is not assignable to type 'number'. (${index})`,
      severity: index % 3 === 0 ? 2 : 1,
      source: 'ts',
      code: 2322,
    }));
    const range = { start: { line: 0, character: 0 }, end: { line: 50, character: 0 } };
    const timed = async (only?: string[]) => {
      const started = performance.now();
      await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } });
      return performance.now() - started;
    };
    for (let warm = 0; warm < 20; warm++) await timed();
    const run: ListingRun = { ms: [], baselineMs: [] };
    for (let request = 0; request < LISTING_REQUESTS; request++) {
      run.ms.push(await timed());
      run.baselineMs.push(await timed([CodeActionKind.Source]));
    }
    return run;
  } finally {
    await server.stop();
    dir.cleanup();
  }
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const dir = tempDir('bench-repo');
  try {
    const root = join(dir.path, 'corpus');
    buildCorpus(root);
    const emptyRoot = join(dir.path, 'empty');
    mkdirSync(emptyRoot);
    const list = join(dir.path, 'files.txt');
    const scan = await scanRepository(root);
    writeFileSync(list, scan.files.map((file) => file.path).join('\n'));
    const megabytes = scan.files.reduce((sum, file) => sum + file.bytes, 0) / 1e6;
    const ctags = ensureCtags();
    if (!ctags) console.log('universal-ctags is not available (install it with apt-get install universal-ctags): the ctags ratio is skipped.');
    const parley: ParleyRun[] = [];
    const baseline: ReturnType<typeof runCtags>[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Alternate who goes first: on a shared machine the load drifts within a run.
      if (ctags && run % 2 === 1) baseline.push(runCtags(root, list, join(dir.path, 'tags')));
      parley.push(await runParley(root, emptyRoot, join(dir.path, `cache-${run}.json`)));
      if (ctags && run % 2 === 0) baseline.push(runCtags(root, list, join(dir.path, 'tags')));
    }
    report(parley, baseline, { files: scan.files.length, megabytes });
    reportListing(await codeActionListing(root));
  } finally {
    dir.cleanup();
  }
}

function report(parley: ParleyRun[], ctags: ReturnType<typeof runCtags>[], corpus: { files: number; megabytes: number }): void {
  const full = median(parley.map((run) => run.fullMs));
  const ctagsMs = ctags.length > 0 ? median(ctags.map((run) => run.ms)) : undefined;
  const ctagsRss = ctags.flatMap((run) => (run.rssMb === undefined ? [] : [run.rssMb]));
  const first = parley[0]!;
  const peaks = parley.flatMap((run) => (run.rssMb === undefined ? [] : [run.rssMb]));
  const idle = parley.flatMap((run) => (run.idleRssMb === undefined ? [] : [run.idleRssMb]));
  console.log(
    `\nCorpus: ${corpus.files} files, ${corpus.megabytes.toFixed(1)} MB; ${first.defs} definitions and ${first.refs} references; ctags: ${ctags[0]?.tags ?? '—'} tags (definitions only). ${availableParallelism()} cores, ${RUNS} runs.`,
  );
  printTable(`Repository map (${RUNS} runs, ${corpus.files} files)`, [
    {
      metric: 'full symbol extraction + map (1,024 tokens)',
      median: full,
      unit: 'ms',
      ...(ctagsMs ? { baseline: { name: 'ctags -L (same files)', median: ctagsMs }, budget: Math.round(1.5 * ctagsMs) } : {}),
    },
    { metric: 'symbol cache write, after the map (not in the line above)', median: median(parley.map((run) => run.cacheWriteMs)), unit: 'ms' },
    {
      metric: 'files per second',
      median: corpus.files / (full / 1000),
      unit: 'files/s',
      ...(ctagsMs ? { baseline: { name: 'ctags', median: corpus.files / (ctagsMs / 1000) } } : {}),
    },
    { metric: 'incremental update (one file edited: refresh + map)', median: median(parley.flatMap((run) => run.incrementalMs)), unit: 'ms', budget: 100 },
    {
      metric: 'second run from the symbol cache (scan + map)',
      median: median(parley.map((run) => run.cachedMs)),
      unit: 'ms',
      ...(ctagsMs ? { baseline: { name: 'ctags -L', median: ctagsMs } } : {}),
    },
    ...(peaks.length > 0
      ? [
          {
            metric: 'peak RSS of a process building the index cold (incl. parser threads)',
            median: median(peaks),
            unit: 'MB',
            ...(ctagsRss.length > 0 ? { baseline: { name: 'ctags', median: median(ctagsRss) } } : {}),
            budget: 300,
          },
          { metric: '… the same process on an empty folder (Node and the bundle)', median: median(idle), unit: 'MB' },
        ]
      : []),
  ]);
}

function reportListing(run: ListingRun): void {
  const baseline = 'same request answered empty';
  printTable(`Code-action listing (${LISTING_REQUESTS} requests, ${LISTING_DIAGNOSTICS} problems in range each, real server over stdio)`, [
    { metric: 'listing, median', median: median(run.ms), unit: 'ms', baseline: { name: baseline, median: median(run.baselineMs) }, budget: 10 },
    {
      metric: 'listing, p95',
      median: percentile(run.ms, 0.95),
      unit: 'ms',
      baseline: { name: baseline, median: percentile(run.baselineMs, 0.95) },
      budget: 10,
    },
  ]);
}

void main();
