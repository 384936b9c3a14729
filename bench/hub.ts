/**
 * Team hub figures, on loopback against two `parley hub` processes (the built bundle) on the
 * PostgreSQL of scripts/pg-env.sh, with autocannon as the load:
 *   corpus     the obsidian-hub vault uploaded by five users of one team (111k passages), built
 *              once through the hubs and cached (bench/hubCorpus.ts); the hubs migrate the copy
 *              this run uses to the current schema, which is timed
 *   cost       what a search did in the database before schema version 3 against what it does
 *              now, as the tenant role on the same corpus: counting the passages and each word's
 *              passages the user can see, against reading the kept counts; and matching the
 *              words under row-level security, against hub_text_matches
 *   search     throughput and p50/p95/p99 latency at 1, 10 and 50 concurrent clients (split over
 *              the two hubs), the kb bench's questions in turn; the baseline is the same questions
 *              against the local SQLite knowledge base of the same passages, one after another in
 *              this process (what one editor does)
 *   upload     notes/s of Markdown uploads at 10 concurrent clients; the baseline is the local
 *              knowledge base ingesting the same notes
 *   rate limit requests allowed in one minute by two hubs sharing the limit, against the limit
 * Every load figure is the median of BENCH_HUB_RUNS runs (3) of BENCH_HUB_SECONDS (10 s) each.
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { knownItemQuestions, ownWordQuestions, rankOf, scored, type Question } from './questions';
import { median, percentile, printTable, type Row } from './stats';
import {
  categoryOf,
  hubCorpus,
  localCorpus,
  noteFiles,
  openKb,
  runDatabase,
  startCluster,
  TEAM,
  tokenFor,
  USERS,
  userName,
  VAULT,
  withHubs,
  type HubProcess,
} from './hubCorpus';
import type { Identity } from '../server/hub/database';
import { rankFullText, readCorpus } from '../server/hub/search';
import { words } from '../server/knowledge/embed/builtin';
import { POSTING_BUDGET, withinPostingBudget } from '../server/knowledge/search';
import { queryTerms } from '../server/knowledge/snippet';
import { stem } from '../server/knowledge/text';

const RUNS = Number(process.env.BENCH_HUB_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_HUB_SECONDS ?? 10);
const LEVELS = [1, 10, 50];
const UPLOAD_NOTES = 400;
const UPLOAD_CLIENTS = 10;
const RATE_LIMIT = 600;
const RATE_CLIENTS = 20;
const RATE_SECONDS = 15;
/** Questions timed one by one in the cost comparison. */
const COST_QUESTIONS = 20;

/** The ranks of each question's note through a hub, one question after another (which also warms the hubs and the database). */
async function hubRanks(hub: HubProcess, token: string, qs: readonly Question[]): Promise<(number | undefined)[]> {
  const ranks: (number | undefined)[] = [];
  for (const q of qs) {
    const response = await fetch(hub.url + searchPath(q.query), { headers: { authorization: `Bearer ${token}` } });
    const { passages } = (await response.json()) as { passages: { path: string }[] };
    ranks.push(rankOf(passages, (passage) => passage.path === q.relPath));
  }
  return ranks;
}

/** The same against the local knowledge base, which holds each user's copy under their name: "user 1/<path>". */
async function localRanks(local: string, qs: readonly Question[]): Promise<(number | undefined)[]> {
  const kb = openKb(local);
  try {
    const ranks: (number | undefined)[] = [];
    for (const q of qs) ranks.push(rankOf(await kb.search({ query: q.query, k: 10 }), (passage) => passage.relPath.endsWith(`/${q.relPath}`)));
    return ranks;
  } finally {
    kb.dispose();
  }
}

/**
 * Both question sets of the kb bench, through a hub and against the local knowledge base, each
 * reported on the part that tuned nothing too: the known-item questions' even lines (the vector
 * weight was tuned on the odd ones), the own-words questions' held-out half (the note weight was
 * tuned on the other).
 */
async function qualityFigures(hub: HubProcess, token: string, local: string): Promise<void> {
  const known = knownItemQuestions();
  const ownWords = ownWordQuestions();
  const sets: { name: string; qs: Question[]; unseen: boolean[]; part: string }[] = [
    { name: 'known items', qs: known, unseen: known.map((q) => q.line % 2 === 0), part: 'even lines' },
    { name: 'own words', qs: ownWords, unseen: ownWords.map((q) => q.half === 'held-out'), part: 'held-out half' },
  ];
  console.log(`\n### Quality on the same corpus (each note is there ${USERS} times)\n`);
  console.log('| questions | search | Recall@10 | MRR@10 | Recall@10 (unseen part) | MRR@10 (unseen part) |\n|---|---|---|---|---|---|');
  for (const { name, qs, unseen, part } of sets) {
    for (const [search, ranks] of [
      ['hub', await hubRanks(hub, token, qs)],
      ['local SQLite (baseline)', await localRanks(local, qs)],
    ] as const) {
      const all = scored(ranks);
      const held = scored(ranks.filter((_, i) => unseen[i]));
      console.log(
        `| ${name} (${qs.length}; ${part}) | ${search} | ${all.recall.toFixed(3)} | ${all.mrr.toFixed(3)} | ${held.recall.toFixed(3)} | ${held.mrr.toFixed(3)} |`,
      );
    }
  }
}

interface Load {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  statuses: Map<number, number>;
}

/** One autocannon run per hub at once, `connections` split between them; every response's latency kept, the served ones counted. */
async function load(
  hubs: HubProcess[],
  connections: number,
  options: { token: string; seconds?: number; amount?: number; request: (i: number) => autocannon.Request },
): Promise<Load> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  const targets = hubs.slice(0, Math.min(hubs.length, connections));
  await Promise.all(
    targets.map(
      (hub, h) =>
        new Promise<void>((resolve, reject) => {
          const share = Math.floor(connections / targets.length) + (h < connections % targets.length ? 1 : 0);
          const instance = autocannon(
            {
              url: hub.url,
              connections: share,
              ...(options.amount ? { amount: Math.ceil(options.amount / targets.length) } : { duration: options.seconds ?? SECONDS }),
              timeout: 30,
              headers: { authorization: `Bearer ${options.token}` },
              requests: [{ setupRequest: (request) => ({ ...request, ...options.request(next++) }) }],
            },
            (error) => (error ? reject(error as Error) : resolve()),
          );
          instance.on('response', (_client, status, _bytes, ms) => {
            latencies.push(ms);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          });
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  // Throughput counts what was served; the latencies are every answer's, a shed one's too.
  const served = [...statuses].filter(([status]) => status < 400).reduce((sum, [, n]) => sum + n, 0);
  return { rps: served / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), statuses };
}

function expectOnly(status: number | number[], result: Load, what: string): void {
  const allowed = [status].flat();
  const other = [...result.statuses].filter(([code]) => !allowed.includes(code));
  if (other.length > 0) throw new Error(`${what}: answers other than ${allowed.join(' or ')}: ${other.map(([code, n]) => `${n}× ${code}`).join(', ')}`);
}

/** The share of answers that were 503: on the bench's running database, a hub shedding load (hub_busy). */
function shedShare(result: Load): number {
  const total = [...result.statuses.values()].reduce((sum, n) => sum + n, 0);
  return (100 * (result.statuses.get(503) ?? 0)) / Math.max(1, total);
}

function searchPath(query: string): string {
  return `/api/kb/shared/search?${new URLSearchParams({ query, k: '10' })}`;
}

/** The same questions against the local knowledge base, one after another, for the same time. */
async function localLoad(file: string, qs: string[]): Promise<Load> {
  const kb = openKb(file);
  try {
    for (const query of qs.slice(0, 10)) await kb.search({ query, k: 10 });
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; performance.now() - started < SECONDS * 1000; i++) {
      const at = performance.now();
      await kb.search({ query: qs[i % qs.length]!, k: 10 });
      latencies.push(performance.now() - at);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      rps: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      statuses: new Map(),
    };
  } finally {
    kb.dispose();
  }
}

const of = (loads: Load[], pick: (load: Load) => number) => median(loads.map(pick));

async function searchFigures(hubs: HubProcess[], token: string, local: string, qs: string[]): Promise<void> {
  // The other hub's pool and caches warmed too, with a pass of the questions.
  await load(hubs.slice(1), 1, { token, amount: qs.length, request: (i) => ({ method: 'GET', path: searchPath(qs[i % qs.length]!) }) });
  const runs = new Map<number | 'local', Load[]>();
  for (let run = 0; run < RUNS; run++) {
    runs.set('local', [...(runs.get('local') ?? []), await localLoad(local, qs)]);
    for (const connections of LEVELS) {
      const result = await load(hubs, connections, { token, request: (i) => ({ method: 'GET', path: searchPath(qs[i % qs.length]!) }) });
      // Past what the database serves, a hub sheds what waited 5 s for a connection (503 hub_busy).
      expectOnly([200, 503], result, `search at ${connections} clients`);
      runs.set(connections, [...(runs.get(connections) ?? []), result]);
    }
  }
  const local1 = runs.get('local')!;
  const baseline = (name: string, pick: (load: Load) => number) => ({ name: `local SQLite, ${name}`, median: of(local1, pick) });
  const rows: Row[] = LEVELS.flatMap((connections) => {
    const hub = runs.get(connections)!;
    return [
      { metric: `${connections} clients: searches/s`, median: of(hub, (l) => l.rps), unit: 'req/s', baseline: baseline('one after another', (l) => l.rps) },
      { metric: `${connections} clients: p50`, median: of(hub, (l) => l.p50), unit: 'ms', baseline: baseline('p50', (l) => l.p50) },
      { metric: `${connections} clients: p95`, median: of(hub, (l) => l.p95), unit: 'ms', baseline: baseline('p95', (l) => l.p95) },
      { metric: `${connections} clients: p99`, median: of(hub, (l) => l.p99), unit: 'ms', baseline: baseline('p99', (l) => l.p99) },
      { metric: `${connections} clients: shed (503 hub_busy)`, median: of(hub, shedShare), unit: '%' },
    ];
  });
  printTable(`Search over the team corpus: two hubs, ${qs.length} questions in turn, k = 10 (${RUNS} runs of ${SECONDS} s per level)`, rows);
}

/** A multipart form with one note, as the editor uploads it. */
function uploadBody(path: string, content: Buffer, boundary: string): Buffer {
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return Buffer.concat([
    Buffer.from(field('visibility', 'shared') + field('category', categoryOf(path)) + field('path', path)),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.md"\r\nContent-Type: text/markdown\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

async function uploadFigures(hubs: HubProcess[], databaseUrl: string, work: string): Promise<void> {
  const notes = noteFiles().slice(0, UPLOAD_NOTES);
  const token = await tokenFor(databaseUrl, 'uploader', 'uploads');
  const boundary = 'parley-bench-boundary';
  const hub: number[] = [];
  const local: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const bodies = notes.map((note) => uploadBody(`run ${run}/${note}`, readFileSync(join(VAULT, note)), boundary));
    const result = await load(hubs, UPLOAD_CLIENTS, {
      token,
      amount: bodies.length,
      request: (i) => ({
        method: 'POST',
        path: '/api/kb/upload',
        headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: bodies[i]!,
      }),
    });
    expectOnly(201, result, 'uploads');
    hub.push(result.rps);
    local.push(await localIngest(notes, join(work, `upload-${run}`)));
  }
  printTable(`Uploads: ${UPLOAD_NOTES} notes of the vault, ${UPLOAD_CLIENTS} clients over two hubs (${RUNS} runs)`, [
    {
      metric: 'notes uploaded per second',
      median: median(hub),
      unit: 'notes/s',
      baseline: { name: 'local knowledge base ingesting them', median: median(local) },
    },
  ]);
}

async function localIngest(notes: string[], folder: string): Promise<number> {
  for (const note of notes) cpSync(join(VAULT, note), join(folder, 'notes', note), { force: true });
  const kb = openKb(join(folder, 'kb.db'));
  try {
    const result = await kb.add(join(folder, 'notes'));
    return result.indexed / (result.elapsedMs / 1000);
  } finally {
    kb.dispose();
  }
}

/** Until the database's clock is early enough in a minute for the whole run to fall in it. */
async function startOfWindow(databaseUrl: string, seconds: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ s: number }>('SELECT extract(second FROM clock_timestamp())::float8 AS s');
    const second = rows[0]!.s;
    if (second > 1 && second + seconds < 58) return;
    await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
  } finally {
    await client.end();
  }
}

async function rateLimitFigures(databaseUrl: string): Promise<void> {
  const allowed: number[] = [];
  const sent: number[] = [];
  await withHubs(databaseUrl, RATE_LIMIT, async (hubs) => {
    for (let run = 0; run < RUNS; run++) {
      const token = await tokenFor(databaseUrl, `limited ${run}`, 'limits');
      await startOfWindow(databaseUrl, RATE_SECONDS);
      const result = await load(hubs, RATE_CLIENTS, { token, seconds: RATE_SECONDS, request: () => ({ method: 'GET', path: '/api/kb/me' }) });
      const other = [...result.statuses.keys()].filter((status) => status !== 200 && status !== 429);
      if (other.length > 0) throw new Error(`rate limit: unexpected answers ${other.join(', ')}`);
      allowed.push(result.statuses.get(200) ?? 0);
      sent.push([...result.statuses.values()].reduce((a, b) => a + b, 0));
    }
  });
  printTable(`Rate limit: one token, ${RATE_CLIENTS} clients over two hubs for ${RATE_SECONDS} s inside one minute (${RUNS} runs)`, [
    { metric: 'requests allowed', median: median(allowed), unit: 'requests', baseline: { name: 'the limit (--rate-limit)', median: RATE_LIMIT } },
    { metric: 'requests sent', median: median(sent), unit: 'requests' },
  ]);
}

/**
 * The full-text leg as it ranks now (BM25, rankFullText) and as it ranked before schema version 5
 * (the sum of each word's ts_rank times its rarity), on the same matched words and candidates.
 */
async function rankingTimes(client: pg.Client, who: Identity, query: string, times: { tsRank: number[]; bm25: number[] }): Promise<void> {
  const asPool = client as unknown as pg.PoolClient;
  const terms = queryTerms(query);
  const corpus = await readCorpus(asPool, who, [...terms, ...words(query)]);
  const matched = withinPostingBudget(terms, (term) => corpus.passagesWith(stem(term)), POSTING_BUDGET);
  const visible = "c.team_id = $2 AND (c.visibility = 'shared' OR c.owner_id = $3)";
  let at = performance.now();
  await client.query(
    `WITH words AS (SELECT to_tsquery('english', w.term) AS q, w.weight FROM unnest($1::text[], $4::float8[]) AS w(term, weight))
     SELECT c.id, (SELECT sum(ts_rank('{0.2, 0.2, 0.4, 1.0}', c.tsv, words.q, 1) * words.weight) FROM words)::float8 AS score
     FROM (SELECT c.id, c.tsv || ''::tsvector AS tsv FROM hub_chunks c
           WHERE c.id IN (SELECT hub_text_matches(to_tsquery('english', $5), NULL)) AND ${visible} OFFSET 0) c
     ORDER BY score DESC, c.id LIMIT 200`,
    [matched, who.teamId, who.userId, matched.map((term) => Math.max(0.1, corpus.idf(stem(term)))), matched.join(' | ')],
  );
  times.tsRank.push(performance.now() - at);
  at = performance.now();
  await rankFullText(asPool, who, matched, corpus, undefined, 200);
  times.bm25.push(performance.now() - at);
}

/** The database work of a search as it was (counting, matching under the policies) and as it is, as the tenant. */
async function costFigures(databaseUrl: string, qs: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ user_id: number; team_id: number }>(
    'SELECT u.id AS user_id, u.team_id FROM hub_users u JOIN hub_teams t ON t.id = u.team_id WHERE t.name = $1 AND u.name = $2',
    [TEAM, userName(0)],
  );
  const who = rows[0]!;
  const identity: Identity = { userId: Number(who.user_id), teamId: Number(who.team_id), userName: userName(0), teamName: TEAM };
  const visible = `c.team_id = ${Number(who.team_id)} AND (c.visibility = 'shared' OR c.owner_id = ${Number(who.user_id)})`;
  const times = {
    counted: [] as number[],
    kept: [] as number[],
    policies: [] as number[],
    index: [] as number[],
    tsRank: [] as number[],
    bm25: [] as number[],
  };
  const timed = async (series: number[], sql: string, params: unknown[]) => {
    const at = performance.now();
    await client.query(sql, params);
    series.push(performance.now() - at);
  };
  try {
    await client.query(
      `BEGIN; SET LOCAL ROLE parley_hub_tenant; SELECT set_config('parley.user_id', '${Number(who.user_id)}', true), set_config('parley.team_id', '${Number(who.team_id)}', true)`,
    );
    for (const query of qs.slice(0, COST_QUESTIONS)) {
      const stems = [...new Set([...queryTerms(query), ...words(query)].map(stem))];
      const match = queryTerms(query).join(' | ');
      await timed(
        times.counted,
        `SELECT s.stem, (SELECT count(*) FROM hub_chunks c WHERE c.stems @> ARRAY[s.stem] AND ${visible}), (SELECT count(*) FROM hub_chunks c WHERE ${visible}) FROM unnest($1::text[]) AS s(stem)`,
        [stems],
      );
      await timed(
        times.kept,
        `SELECT s.stem, (SELECT sum(c.passages) FROM hub_stem_counts c WHERE c.stem = s.stem AND ${visible}), (SELECT sum(c.passages) FROM hub_passage_counts c WHERE ${visible}) FROM unnest($1::text[]) AS s(stem)`,
        [stems],
      );
      await timed(times.policies, `SELECT count(*) FROM hub_chunks c WHERE c.tsv @@ to_tsquery('english', $1) AND ${visible}`, [match]);
      await timed(times.index, `SELECT count(*) FROM hub_text_matches(to_tsquery('english', $1), NULL)`, [match]);
      await rankingTimes(client, identity, query, times);
    }
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
  printTable(`A search's database work at ${USERS * 22_312} passages, as the tenant role (${COST_QUESTIONS} questions, all their words)`, [
    {
      metric: "how many passages (and each word's) the user can see: kept counts",
      median: median(times.kept),
      unit: 'ms',
      baseline: { name: 'counting them', median: median(times.counted) },
    },
    {
      metric: 'passages holding any of the words: hub_text_matches (the index)',
      median: median(times.index),
      unit: 'ms',
      baseline: { name: 'under the policies (no index)', median: median(times.policies) },
    },
    {
      metric: 'the full-text leg (words within the posting budget, 200 ranked): BM25 (schema 5)',
      median: median(times.bm25),
      unit: 'ms',
      baseline: { name: 'ts_rank per word, as before', median: median(times.tsRank) },
    },
  ]);
}

async function main(): Promise<void> {
  const work = join(tmpdir(), `parley-bench-hub-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const cluster = startCluster();
  const corpus = await hubCorpus(cluster);
  console.log(
    `Team corpus: ${corpus.how} in ${corpus.seconds.toFixed(0)} s` +
      (corpus.build ? ` (${corpus.build.notes} uploads at ${(corpus.build.notes / corpus.build.seconds).toFixed(0)} notes/s)` : ''),
  );
  const local = await localCorpus(work);
  console.log(`Local knowledge base of the same notes: ${local.how} in ${local.seconds.toFixed(0)} s`);
  const run = await runDatabase(cluster, corpus.template);
  try {
    const qs = knownItemQuestions();
    const migrated = performance.now();
    await withHubs(run.url, 1_000_000, async (hubs) => {
      console.log(`Two hubs started on a copy of the corpus, migrating it to the current schema, in ${((performance.now() - migrated) / 1000).toFixed(1)} s`);
      const client = new pg.Client({ connectionString: run.url });
      await client.connect();
      const passages = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM hub_chunks')).rows[0]!.n;
      await client.end();
      console.log(`${passages} passages in team "${TEAM}", all shared, from ${USERS} users\n`);
      const queries = qs.map((q) => q.query);
      await costFigures(run.url, queries);
      const token = await tokenFor(run.url, userName(0));
      await qualityFigures(hubs[0]!, token, local.file);
      await searchFigures(hubs, token, local.file, queries);
      await uploadFigures(hubs, run.url, work);
    });
    await rateLimitFigures(run.url);
  } finally {
    await run.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
