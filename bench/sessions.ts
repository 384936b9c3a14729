/**
 * `npm run bench -- sessions`: full-text search over past sessions, p50 and p95 over 10,000 stored
 * turns (and 1,000 REPL cells) in SQLite on disk, against a LIKE scan of the same turns in the
 * same run. The text is made-up words drawn by Zipf's law, so queries of common words match
 * thousands of turns and rare ones a few. BENCH_SESSIONS_TURNS changes the number of turns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stderrLogger } from '../server/log';
import { SessionStore } from '../server/sessions/store';
import { openDatabase } from '../server/storage/database';
import { SESSIONS_MIGRATIONS } from '../server/storage/migrations';
import { percentile, printTable, seededRandom } from './stats';

const TURNS = Number(process.env.BENCH_SESSIONS_TURNS ?? 10_000);
const QUERIES = 200;
/** A vocabulary of 5,000 made-up words, drawn with Zipf's law as words of real text are. */
const VOCABULARY = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const ZIPF = (() => {
  const weights = VOCABULARY.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let sum = 0;
  return weights.map((weight) => (sum += weight / total));
})();

function word(next: () => number): string {
  const target = next();
  let low = 0;
  let high = ZIPF.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ZIPF[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return VOCABULARY[low]!;
}

function sentence(next: () => number, words: number): string {
  return Array.from({ length: words }, () => word(next)).join(' ');
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-sessions-'));
  try {
    const { db } = openDatabase({
      file: join(dir, 'sessions.db'),
      migrations: SESSIONS_MIGRATIONS,
      nativeDir: '/nonexistent',
      log: stderrLogger('error'),
      label: 'bench',
    });
    const store = new SessionStore(db);
    const next = seededRandom(7);
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const fill = db.transaction(() => {
      for (let turn = 0, session = ''; turn < TURNS; turn += 1) {
        if (turn % 50 === 0) session = store.start((clock += 3_600_000));
        const role = turn % 2 === 0 ? 'user' : 'assistant';
        const toolCalls =
          role === 'assistant' && next() < 0.3
            ? [{ id: `t${turn}`, name: 'read_file', input: { path: `src/${sentence(next, 1)}.ts` }, result: sentence(next, 30) }]
            : [];
        store.append(session, { role, text: sentence(next, role === 'user' ? 12 : 60), interrupted: false, toolCalls, createdAt: (clock += 20_000) });
        if (turn % 10 === 0)
          store.addExecution(session, {
            language: 'python',
            source: 'assistant',
            code: sentence(next, 8),
            outcome: 'ok',
            ms: 5,
            output: sentence(next, 20),
            images: [],
            tables: [],
            createdAt: clock,
          });
      }
    });
    fill();
    const queries = Array.from({ length: QUERIES }, () => sentence(next, 1 + Math.floor(next() * 3)));
    // The baseline: what a search without the index does, a scan of every turn for the first word.
    const like = db.prepare("SELECT count(*) FROM turns WHERE text LIKE '%' || ? || '%'");
    const fts: number[] = [];
    const scan: number[] = [];
    for (let pass = 0; pass < 3; pass += 1) {
      for (const query of queries) {
        let started = performance.now();
        store.search(query);
        if (pass > 0) fts.push(performance.now() - started);
        started = performance.now();
        like.get(query.split(' ')[0]);
        if (pass > 0) scan.push(performance.now() - started);
      }
    }
    db.close();
    printTable(`Session search over ${TURNS} turns and ${TURNS / 10} REPL cells (${QUERIES} queries of 1–3 words × 2 passes)`, [
      { metric: 'search p50', median: percentile(fts, 50), unit: 'ms', baseline: { name: 'LIKE scan of one word', median: percentile(scan, 50) } },
      { metric: 'search p95', median: percentile(fts, 95), unit: 'ms', baseline: { name: 'LIKE scan of one word', median: percentile(scan, 95) } },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
