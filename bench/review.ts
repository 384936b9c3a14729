/**
 * Repository review figures ("Parley: Review Repository") on the repo bench's corpus: the static
 * review cold and with the index warm, the review of an unchanged commit opened from the review
 * cache, and the full review with a model, played by the OpenAI-compatible stand-in at a hosted
 * model's pace so the figure is what the pipeline costs around the model. Each figure stands next
 * to a baseline from the same run: the symbol build alone, a refresh of the warm index, `git
 * status`, and the time the model spent answering.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ReviewResult } from '../protocol/review';
import { DEFAULT_SETTINGS, type ParleySettings } from '../protocol/settings';
import { createLogger } from '../server/log';
import { Keys } from '../server/providers/keys';
import { ProviderRegistry } from '../server/providers/registry';
import { RepoIndex } from '../server/repo/index';
import { DEFAULT_MAX_MODULES, runReview, type ReviewOptions } from '../server/repo/review/review';
import { REPO, tempDir } from '../test/support/paths';
import { startOpenAIStandIn, type Latency, type OpenAIStandIn, type RecordedRequest } from '../test/support/standins';
import { textTokens } from '../test/support/standins/chat-reply';
import { buildCorpus } from './corpus';
import { reviewRepositories } from './reviewRepos';
import { median, printTable } from './stats';
import { setWorkspaceTrusted } from '../server/process/trust';

// The benchmarks measure a trusted workspace, where git lists the files and reads the history.
setWorkspaceTrusted(true);

/** The built server's native folder: the parser threads run the shipped worker bundle and grammars. */
const NATIVE_DIR = join(REPO, 'dist', 'native');
/** Runs on the corpus; 0 leaves the corpus out (the real repositories only). */
const RUNS = Number(process.env.BENCH_REVIEW_RUNS ?? 3);
/** A hosted model's pace: the first token after 450 ms, then one streamed token (a word here) every 5 ms. */
const MODEL_LATENCY: Latency = { ttfbMs: 450, interTokenMs: 5 };
const CACHED_OPENS = 5;
const MAP_TOKENS = 1024;
const FINDINGS_PER_ANSWER = 3;
const quiet = createLogger(() => undefined);

/** One model request as the stand-in paced it: arrival and the configured time to its last event. */
interface ModelCall {
  receivedAt: number;
  ms: number;
  tokens: number;
}

interface Model {
  standIn: OpenAIStandIn;
  settings: ParleySettings;
  calls: ModelCall[];
}

interface ModelRun {
  ms: number;
  /** From the start to the first model call: refresh and static checks. */
  staticMs: number;
  calls: ModelCall[];
  /** When each module's answer had been read and checked by the review, in the order they came. */
  answeredAt: number[];
  findings: number;
  fromModel: number;
}

interface ReviewRun {
  symbolsMs: number;
  coldMs: number;
  refreshMs: number;
  warmMs: number;
  cachedMs: number[];
  gitStatusMs: number[];
  staticFindings: number;
  /** What the review read: files and their lines. */
  reviewed: { files: number; lines: number };
  model: ModelRun;
}

function userPrompt(request: RecordedRequest): string {
  const { messages } = request.body as { messages: { role: string; content: string }[] };
  return messages.findLast((message) => message.role === 'user')?.content ?? '';
}

/** A finding as a careful model writes one: a title, a reason in a few sentences, a concrete fix. */
function scriptedFinding(file: string, lines: number, index: number) {
  return {
    title: 'Errors from the request are swallowed and the caller sees an empty result',
    explanation:
      'The catch block logs the failure and returns an empty value, so a caller cannot tell a failed request from one that found nothing. Retries and error reporting above it never run, and the failure shows up later as missing data far from its cause.',
    file,
    startLine: 1,
    endLine: Math.min(lines, 12),
    severity: (['warning', 'information', 'error'] as const)[index % 3],
    fix: 'Let the error propagate, or return a result that says the request failed, and have the caller decide whether to retry or report it.',
  };
}

/** A valid answer for the module a request asks about, with findings in its most central files. */
function moduleAnswer(request: RecordedRequest): string {
  const listing = /\nFiles:\n([\s\S]*?)\n\n/.exec(userPrompt(request))?.[1] ?? '';
  const files = [...listing.matchAll(/^- (\S+) \((\d+) lines\)$/gm)].slice(0, FINDINGS_PER_ANSWER);
  return JSON.stringify({ findings: files.map(([, file, lines], index) => scriptedFinding(file!, Number(lines), index)) }, null, 2);
}

/**
 * The stand-in streams a role event, one event per token, a finish event, the usage event when
 * asked for it and `[DONE]`: the first after ttfbMs, each later one interTokenMs after the last.
 */
function configuredMs(text: string, request: RecordedRequest): { ms: number; tokens: number } {
  const tokens = textTokens(text).length;
  const usage = (request.body as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage ? 1 : 0;
  return { ms: MODEL_LATENCY.ttfbMs + (tokens + 2 + usage) * MODEL_LATENCY.interTokenMs, tokens };
}

async function startModel(): Promise<Model> {
  const standIn = await startOpenAIStandIn({ latency: MODEL_LATENCY });
  const settings: ParleySettings = {
    ...structuredClone(DEFAULT_SETTINGS),
    llm: { provider: 'openai-compatible', model: 'reviewer', baseUrl: standIn.baseURL },
  };
  return { standIn, settings, calls: [] };
}

function reviewOptions(index: RepoIndex, cacheDir: string, model?: Model): ReviewOptions {
  const settings = model?.settings ?? DEFAULT_SETTINGS;
  return { index, settings, providers: new ProviderRegistry(new Keys({}), quiet), log: quiet, cacheDir, linkBase: { dir: index.root }, staticOnly: !model };
}

async function timeMs(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** `new RepoIndex(root).refresh()` and a map, with no symbol cache: the index the review stands on. */
async function coldSymbolBuild(root: string): Promise<number> {
  const started = performance.now();
  const index = new RepoIndex(root, { nativeDir: NATIVE_DIR });
  try {
    await index.refresh();
    index.map({ tokens: MAP_TOKENS });
    return performance.now() - started;
  } finally {
    await index.dispose();
  }
}

async function modelReview(index: RepoIndex, cacheDir: string, model: Model): Promise<ModelRun> {
  const answer = (request: RecordedRequest) => {
    const text = moduleAnswer(request);
    model.calls.push({ receivedAt: request.receivedAt, ...configuredMs(text, request) });
    return { text };
  };
  model.standIn.chat.push(...Array.from({ length: DEFAULT_MAX_MODULES - model.standIn.chat.pending }, () => answer));
  const first = model.calls.length;
  // The review reports 40% as it starts asking the model, and more (below 100%) as each module's answer is in.
  const progress: { percentage: number; at: number }[] = [];
  const started = performance.now();
  const result = await runReview({
    ...reviewOptions(index, cacheDir, model),
    onProgress: ({ percentage }) => progress.push({ percentage, at: performance.now() }),
  });
  const ms = performance.now() - started;
  const { llm } = result.summary;
  if (llm.state !== 'reviewed' || llm.errors.length > 0) throw new Error(`the model review did not complete: ${JSON.stringify(llm)}`);
  return {
    ms,
    staticMs: progress.find((p) => p.percentage === 40)!.at - started,
    calls: model.calls.slice(first),
    answeredAt: progress.filter((p) => p.percentage > 40 && p.percentage < 100).map((p) => p.at),
    findings: result.findings.length,
    fromModel: result.findings.filter((f) => f.kind === 'llm').length,
  };
}

function expectCached(result: ReviewResult): void {
  if (!result.summary.cached) throw new Error('the review of the unchanged commit was not opened from the cache');
}

function gitStatus(root: string): void {
  execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=normal', '--', '.']);
}

/** Everything measured on one index: the cold review that builds it, then the warm, cached and model reviews. */
async function reviewsOnOneIndex(root: string, scratch: () => string, model: Model): Promise<Omit<ReviewRun, 'symbolsMs'>> {
  const started = performance.now();
  const index = new RepoIndex(root, { nativeDir: NATIVE_DIR });
  try {
    const { summary } = await runReview(reviewOptions(index, scratch()));
    const coldMs = performance.now() - started;
    const refreshMs = await timeMs(async () => {
      await index.refresh();
      index.map({ tokens: MAP_TOKENS });
    });
    // A fresh cache folder: the warm review recomputes everything and leaves its result for the cached opens.
    const cacheDir = scratch();
    let staticFindings = 0;
    const warmMs = await timeMs(async () => (staticFindings = (await runReview(reviewOptions(index, cacheDir))).findings.length));
    const cachedMs: number[] = [];
    const gitStatusMs: number[] = [];
    for (let open = 0; open < CACHED_OPENS; open++) {
      cachedMs.push(await timeMs(async () => expectCached(await runReview(reviewOptions(index, cacheDir)))));
      gitStatusMs.push(await timeMs(() => gitStatus(root)));
    }
    const reviewed = { files: summary.files, lines: summary.lines };
    return { coldMs, refreshMs, warmMs, cachedMs, gitStatusMs, staticFindings, reviewed, model: await modelReview(index, scratch(), model) };
  } finally {
    await index.dispose();
  }
}

async function measureRun(root: string, scratch: () => string, model: Model, run: number): Promise<ReviewRun> {
  // Alternate who goes first: on a shared machine the load drifts within a run.
  const before = run % 2 === 0 ? await coldSymbolBuild(root) : undefined;
  const reviews = await reviewsOnOneIndex(root, scratch, model);
  return { symbolsMs: before ?? (await coldSymbolBuild(root)), ...reviews };
}

/**
 * Milliseconds in which at least one answer was under way, and the most at once. Only the counts
 * of starts and ends so far matter, so ends need not be paired with their starts.
 */
function busy(starts: number[], ends: number[]): { ms: number; peak: number } {
  const edges = [...starts.map((at): [number, number] => [at, 1]), ...ends.map((at): [number, number] => [at, -1])].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let since = 0;
  let ms = 0;
  let peak = 0;
  for (const [at, step] of edges) {
    if (open === 0) since = at;
    open += step;
    peak = Math.max(peak, open);
    if (open === 0) ms += at - since;
  }
  return { ms, peak };
}

async function main(): Promise<void> {
  if (RUNS > 0) await corpusReview();
  if (process.env.PARLEY_BENCH_REVIEW_REPOS) await reviewRepositories(process.env.PARLEY_BENCH_REVIEW_REPOS);
  else console.log('\nThe review on real repositories needs PARLEY_BENCH_REVIEW_REPOS (see the header of bench/reviewRepos.ts).');
}

/** The corpus figures: cold, warm, cached and with the model stand-in. */
async function corpusReview(): Promise<void> {
  const dir = tempDir('bench-review');
  const model = await startModel();
  try {
    const root = join(dir.path, 'corpus');
    buildCorpus(root);
    let scratches = 0;
    const scratch = () => join(dir.path, `review-cache-${scratches++}`);
    const loadBefore = loadavg()[0]!;
    const runs: ReviewRun[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await measureRun(root, scratch, model, run));
    const committed = execFileSync('git', ['-C', root, 'ls-files'], { encoding: 'utf8' }).trim().split('\n').length;
    const { files, lines } = runs[0]!.reviewed;
    console.log(
      `\nCorpus: ${committed} files in one commit, ${files} of them reviewed (${lines.toLocaleString('en')} lines). Node ${process.version}, ${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after, ${RUNS} runs.`,
    );
    report(runs);
  } finally {
    await model.standIn.close();
    dir.cleanup();
  }
}

function report(runs: ReviewRun[]): void {
  const of = (pick: (run: ReviewRun) => number | number[]) => median(runs.flatMap(pick));
  const warm = of((run) => run.warmMs);
  printTable(`Repository review, static checks (${RUNS} runs)`, [
    {
      metric: 'static review, cold (new index, no symbol or review cache)',
      median: of((run) => run.coldMs),
      unit: 'ms',
      baseline: { name: 'cold symbol build + map', median: of((run) => run.symbolsMs) },
    },
    {
      metric: 'static review, index warm (recomputed into a fresh review cache)',
      median: warm,
      unit: 'ms',
      baseline: { name: 'refresh of the warm index + map', median: of((run) => run.refreshMs) },
    },
    {
      metric: `unchanged clean commit, from the review cache (${CACHED_OPENS} opens a run)`,
      median: of((run) => run.cachedMs),
      unit: 'ms',
      baseline: { name: 'git status', median: of((run) => run.gitStatusMs) },
    },
    { metric: 'static findings', median: of((run) => run.staticFindings), unit: 'findings' },
  ]);
  reportModel(
    runs.map((run) => run.model),
    warm,
  );
}

/**
 * The model's share is the time at least one answer was under way at the configured pace (the
 * review asks modules a few at a time); the overhead is the rest, split into the static part,
 * the stand-in's lateness against its configured pace, and what the review does between answers.
 */
function reportModel(runs: ModelRun[], warmStaticMs: number): void {
  const configured = runs.map((run) =>
    busy(
      run.calls.map((c) => c.receivedAt),
      run.calls.map((c) => c.receivedAt + c.ms),
    ),
  );
  const measured = runs.map(
    (run) =>
      busy(
        run.calls.map((c) => c.receivedAt),
        run.answeredAt,
      ).ms,
  );
  const of = (pick: (run: ModelRun, i: number) => number) => median(runs.map(pick));
  const calls = runs.flatMap((run) => run.calls);
  console.log(
    `\nModel stand-in: ttfb ${MODEL_LATENCY.ttfbMs} ms, ${MODEL_LATENCY.interTokenMs} ms per streamed token; answers of ${median(calls.map((c) => c.tokens))} tokens ` +
      `(${median(calls.map((c) => c.ms))} ms each at that pace); at most ${Math.max(...configured.map((c) => c.peak))} answers under way at once; ` +
      `the same calls one after another would take ${Math.round(of((run) => run.calls.reduce((sum, call) => sum + call.ms, 0)))} ms.`,
  );
  printTable(`Repository review with a model (OpenAI-compatible stand-in, ${runs.length} runs, index warm)`, [
    {
      metric: 'full review: static checks + one model call per module, merged and ranked',
      median: of((run) => run.ms),
      unit: 'ms',
      baseline: { name: 'model answering at the configured pace', median: of((_, i) => configured[i]!.ms) },
    },
    {
      metric: 'pipeline overhead: total − model answering',
      median: of((run, i) => run.ms - configured[i]!.ms),
      unit: 'ms',
      baseline: { name: 'static review, index warm', median: warmStaticMs },
    },
    { metric: '… refresh and static checks, before the first model call', median: of((run) => run.staticMs), unit: 'ms' },
    { metric: '… the stand-in answering later than configured (its timers)', median: of((_, i) => measured[i]! - configured[i]!.ms), unit: 'ms' },
    {
      metric: '… prompts, answer parsing, ranking and report, outside answers under way',
      median: of((run, i) => run.ms - run.staticMs - measured[i]!),
      unit: 'ms',
    },
    { metric: 'model calls per review', median: of((run) => run.calls.length), unit: 'calls' },
    { metric: 'findings, all', median: of((run) => run.findings), unit: 'findings' },
    { metric: 'findings from the model', median: of((run) => run.fromModel), unit: 'findings' },
  ]);
}

void main();
