/**
 * The review on real repositories nobody here wrote, in one run (part of `npm run bench -- review`
 * when `PARLEY_BENCH_REVIEW_REPOS` names the trees; they were fetched beforehand, as the network
 * is closed here, so this is not part of npm test):
 *
 *   PARLEY_BENCH_REVIEW_REPOS='typescript=/tmp/agents-js#agents src;python=/tmp/click#src tests;go=/tmp/fzf' \
 *   PARLEY_BENCH_MADGE=/tmp/madge/node_modules/.bin/madge npm run bench -- review
 *
 * For each tree (`language=path#reference arguments`, as bench/imports.ts takes them):
 * - the import cycles against the language's own tool (bench/importsCompare.ts): cycle precision
 *   (Parley's components lying inside one of the reference's) and recall (the reference's lying
 *   inside one of Parley's), with the edges' precision and recall beside them;
 * - the index build and the static review, each cold in a process of its own (the built `parley
 *   repomap --no-cache` and `parley review --static-only --no-cache --json` under the server's
 *   Node flags), time and peak RSS from /usr/bin/time, next to ctags -L on the files scanned;
 * - the top findings in the review's order, each with the verdict a reader wrote down for its id
 *   in bench/review-judged.tsv (act, maybe, no: see bench/README.md); findings nobody has judged
 *   yet are listed as such, so a changed review cannot borrow an old verdict.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import serverNodeFlags from '../protocol/serverNodeFlags.json';
import { scanRepository } from '../server/repo';
import { REPO } from '../test/support/paths';
import { ensureCtags } from './ctags';
import { agreement, compare, treeEntries } from './importsCompare';

const TIME = '/usr/bin/time';
const CLI = join(REPO, 'dist', 'cli.js');
const JUDGED = join(REPO, 'bench', 'review-judged.tsv');
const TOP = 10;

type Verdict = 'act' | 'maybe' | 'no';

interface CliFinding {
  id: string;
  file: string;
  line: number;
  severity: string;
  title: string;
  certainty?: string;
}

interface Timed {
  ms: number;
  rssMb: number;
  stdout: string;
}

/** A command under /usr/bin/time: wall time, peak RSS and what it printed. */
function timed(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Timed {
  const started = performance.now();
  const run = spawnSync(TIME, ['-f', 'maxrss=%M', command, ...args], { ...options, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const rss = /maxrss=(\d+)/.exec(run.stderr)?.[1];
  if (!rss) throw new Error(`/usr/bin/time gave no peak memory for ${command}`);
  return { ms, rssMb: Number(rss) / 1024, stdout: run.stdout };
}

/** The verdicts written down so far, by finding id. */
function judgements(): Map<string, { verdict: Verdict; why: string }> {
  const judged = new Map<string, { verdict: Verdict; why: string }>();
  if (!existsSync(JUDGED)) return judged;
  for (const line of readFileSync(JUDGED, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [id, , verdict, why = ''] = line.split('\t');
    if (verdict !== 'act' && verdict !== 'maybe' && verdict !== 'no') throw new Error(`${JUDGED}: "${verdict}" is not act, maybe or no (${line})`);
    judged.set(id!, { verdict, why });
  }
  return judged;
}

interface RepoRun {
  name: string;
  language: string;
  reference: string;
  files: number;
  cycles: { ours: number; theirs: number; precision: number; recall: number; oursFiles: number; theirsFiles: number };
  edges: { precision: number; recall: number; ours: number; theirs: number };
  /** The index alone: `parley repomap --no-cache`, what ctags is compared with. */
  index: Timed;
  review: Timed;
  ctags?: Timed;
  findings: CliFinding[];
}

async function reviewRepository(language: string, root: string, args: string[], ctags: boolean): Promise<RepoRun> {
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short=8', 'HEAD'], { encoding: 'utf8' }).trim();
  const comparison = await compare(language, root, args);
  const found = agreement(comparison);
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-review-'));
  try {
    // A cache folder of its own: no symbol cache, no review cache, no dismissed findings.
    const env = { ...process.env, XDG_CACHE_HOME: scratch, PARLEY_LOG: 'warn' };
    const index = timed(process.execPath, [...serverNodeFlags, CLI, 'repomap', root, '--no-cache'], { env });
    const review = timed(process.execPath, [...serverNodeFlags, CLI, 'review', root, '--static-only', '--no-cache', '--json'], { env });
    const { findings } = JSON.parse(review.stdout) as { findings: CliFinding[] };
    const scan = await scanRepository(root);
    const list = join(scratch, 'files.txt');
    writeFileSync(list, scan.files.map((file) => file.path).join('\n'));
    return {
      name: `${posix.basename(root)} @ ${commit}`,
      language,
      reference: comparison.reference,
      files: scan.files.length,
      cycles: {
        ours: found.ourComponents.length,
        theirs: found.theirComponents.length,
        precision: found.ourComponents.length === 0 ? 1 : found.oursInTheirs / found.ourComponents.length,
        recall: found.theirComponents.length === 0 ? 1 : found.theirsInOurs / found.theirComponents.length,
        oursFiles: found.ourFiles,
        theirsFiles: found.theirFiles,
      },
      edges: { precision: found.precision, recall: found.recall, ours: comparison.ours.size, theirs: comparison.theirs.size },
      index,
      review,
      ...(ctags ? { ctags: timed('ctags', ['-L', list, '-f', join(scratch, 'tags')], { cwd: root }) } : {}),
      findings,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const fixed = (value: number) => value.toFixed(3);

export async function reviewRepositories(entries: string): Promise<void> {
  const ctags = ensureCtags();
  if (!ctags) console.log('universal-ctags is not available (apt-get install universal-ctags): its columns are left empty.');
  const judged = judgements();
  const runs: RepoRun[] = [];
  for (const { language, root, args } of treeEntries(entries)) runs.push(await reviewRepository(language, root, args, ctags));

  const rows = runs.map((run) => {
    const top = run.findings.slice(0, TOP).map((finding) => judged.get(finding.id)?.verdict);
    const count = (verdict: Verdict | undefined) => top.filter((v) => v === verdict).length;
    const cells = [
      run.name,
      run.language,
      run.reference,
      `${run.cycles.ours} (${run.cycles.oursFiles} files) / ${run.cycles.theirs} (${run.cycles.theirsFiles} files)`,
      `${fixed(run.cycles.precision)} / ${fixed(run.cycles.recall)}`,
      `${fixed(run.edges.precision)} / ${fixed(run.edges.recall)} (${run.edges.ours} / ${run.edges.theirs})`,
      String(run.findings.length),
      `${count('act')} act, ${count('maybe')} maybe, ${count('no')} no${count(undefined) ? `, ${count(undefined)} not judged` : ''}`,
      `${run.files} files: ${Math.round(run.index.ms)} ms${run.ctags ? ` (${(run.index.ms / run.ctags.ms).toFixed(2)}×)` : ''}, ${Math.round(run.index.rssMb)} MB`,
      `${Math.round(run.review.ms)} ms, ${Math.round(run.review.rssMb)} MB`,
      run.ctags ? `${Math.round(run.ctags.ms)} ms, ${run.ctags.rssMb.toFixed(1)} MB` : '—',
    ];
    return `| ${cells.join(' | ')} |`;
  });
  console.log(
    [
      '',
      '### Review on real repositories (static review, cold, in a process of its own)',
      '',
      '| repository | language | reference | cycle components Parley / reference | cycle precision / recall | edge precision / recall (Parley / reference edges) | findings | top 10 judged | index build cold: time (vs ctags), peak RSS | static review cold: time, peak RSS | ctags -L (same files): time, peak RSS |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
  for (const run of runs) {
    console.log(`\nTop ${TOP} findings of ${run.name} (id, verdict, certainty, title):`);
    for (const finding of run.findings.slice(0, TOP)) {
      const verdict = judged.get(finding.id);
      console.log(
        `  ${finding.id}\t${verdict?.verdict ?? 'NOT JUDGED'}\t${finding.certainty ?? '—'}\t${finding.severity}\t${finding.title} (${finding.file}:${finding.line})`,
      );
    }
  }
}
