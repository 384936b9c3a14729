/**
 * Several hub processes on one real PostgreSQL (scripts/pg-env.sh): migrations run concurrently,
 * two `parley hub` processes serving one database, readiness, metrics, and the database dropping
 * a hub's connections mid-request (a clear 503, then recovery).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { HubDatabase } from '../../../server/hub/database';
import { LATEST_VERSION, MIGRATIONS } from '../../../server/hub/schema';
import { REPO } from '../../support/paths';
import { waitFor } from '../../support/poll';
import { addTestUser, freshDatabase, HubClient, memoryLogger, testHub, titles, type TestDatabase } from './support';

/** `parley hub` as its own process on a free port; resolves with its address once it listens. */
function hubProcess(url: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server', 'cli.ts'), 'hub', '--port', '0', '--rate-limit', '1000'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, PARLEY_HUB_DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`parley hub exited with ${code}: ${stderr}`)));
    child.stderr!.on('data', () => {
      const address = /Parley hub listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (address) resolve({ child, url: address, stderr: () => stderr });
    });
  });
}

/** Polls until a connection of this database's hubs waits on a lock that `admin` holds. */
function waitingOnLock(admin: pg.Client, what: string): Promise<unknown> {
  const sql = "SELECT 1 FROM pg_stat_activity WHERE application_name = 'parley-hub' AND datname = current_database() AND wait_event_type = 'Lock'";
  return waitFor(async () => (await admin.query(sql)).rowCount, { what: `${what} waiting on the lock` });
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('hub processes on one database', () => {
  let database: TestDatabase;

  before(async () => {
    database = await freshDatabase('processes');
  });

  after(async () => {
    await database?.drop();
  });

  it('runs the migrations once when several hubs start at the same moment', async () => {
    const opened = await Promise.all(Array.from({ length: 4 }, () => HubDatabase.open({ url: database.url, log: memoryLogger() }, 384)));
    try {
      const { rows } = await opened[0]!.db.query<{ version: number; n: number }>(
        'SELECT version, count(*)::int AS n FROM hub_migrations GROUP BY version ORDER BY version',
      );
      assert.deepEqual(
        rows,
        MIGRATIONS.map(({ version }) => ({ version, n: 1 })),
      );
      assert.ok(opened.every(({ vectors }) => vectors.kind === 'arrays'));
    } finally {
      await Promise.all(opened.map(({ db }) => db.close()));
    }
  });

  it('serves one team from two hub processes: what one stores, the other finds at once', async () => {
    const [one, two] = await Promise.all([hubProcess(database.url), hubProcess(database.url)]);
    try {
      const alice = await addTestUser(database.url, 'alice', 'red');
      const bob = await addTestUser(database.url, 'bob', 'red');
      const viaOne = new HubClient(one.url, alice.token);
      const viaTwo = new HubClient(two.url, bob.token);
      assert.equal((await viaOne.upload('n.md', '# Notes\n\nThe release checklist lives in the wiki.', { visibility: 'shared' })).status, 201);
      assert.deepEqual(titles(await viaTwo.search('release checklist')), ['n']);
      assert.equal((await viaOne.setVisibility((await viaTwo.search('release checklist')).body.passages[0]!.documentId, 'private')).status, 200);
      assert.deepEqual(titles(await viaTwo.search('release checklist')), []);
      for (const hub of [one, two]) {
        const ready = await new HubClient(hub.url, undefined).request('GET', '/readyz');
        assert.deepEqual(ready.body, { status: 'ready', schemaVersion: LATEST_VERSION, vectors: 'arrays' });
      }
      assert.match(one.stderr(), /without pgvector: the pgvector extension is not installed/);
    } finally {
      assert.deepEqual(await Promise.all([stopped(one.child), stopped(two.child)]), [0, 0]);
    }
  });

  it('exposes Prometheus metrics of requests, latencies, searches, the pool and rate limits', async () => {
    const hub = await testHub(database.url, { limits: { rateLimitPerMinute: 3 } });
    try {
      const client = new HubClient(hub.url, (await addTestUser(database.url, 'metrics', 'red')).token);
      await client.search('anything at all');
      await client.stats();
      // Seven requests fall in at most two of the database's minutes, so one of them holds four: one at least is refused.
      let refused = 0;
      for (let i = 0; i < 5; i++) if ((await client.stats()).status === 429) refused++;
      assert.ok(refused > 0);
      const response = await new HubClient(hub.url, undefined).request<string>('GET', '/metrics');
      assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
      const text = response.body;
      assert.match(text, /^parley_hub_requests_total\{route="\/api\/kb\/shared\/search",method="GET",status="200"\} 1$/m);
      assert.match(text, /^parley_hub_request_duration_seconds_bucket\{le="\+Inf",route="\/api\/kb\/shared\/stats"\} 6$/m);
      assert.match(text, /^parley_hub_search_duration_seconds_count 1$/m);
      assert.match(text, /^parley_hub_db_pool_connections\{state="total"\} \d+$/m);
      assert.match(text, /^# TYPE parley_hub_rate_limited_total counter$/m);
      assert.match(text, new RegExp(`^parley_hub_rate_limited_total ${refused}$`, 'm'));
      assert.match(text, /^parley_hub_requests_total\{route="\/api\/kb\/shared\/stats",method="GET",status="429"\} \d+$/m);
      assert.match(text, /^parley_hub_db_pool_connections\{state="idle"\} \d+$/m);
      assert.match(text, /^process_resident_memory_bytes \d+$/m);
    } finally {
      await hub.close();
    }
  });

  it('sheds a request with 503 hub_busy when every database connection stays in use, and serves again once they are free', async () => {
    const hub = await testHub(database.url, { maxConnections: 1, connectTimeoutMs: 300 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const client = new HubClient(hub.url, (await addTestUser(database.url, 'busy', 'red')).token);
      await admin.query('BEGIN; LOCK TABLE hub_chunks IN ACCESS EXCLUSIVE MODE');
      const held = client.search('release checklist');
      await waitingOnLock(admin, "the hub's one connection");
      const started = performance.now();
      const shed = await client.stats();
      assert.ok(performance.now() - started < 5_000, 'shed after the connect timeout, not held');
      assert.equal(shed.status, 503, JSON.stringify(shed.body));
      assert.equal(shed.body.error?.code, 'hub_busy');
      assert.match(shed.body.error!.message, /all 1 of its database connections stayed in use for 0\.3 s/);
      assert.equal(shed.headers.get('retry-after'), '2');
      await admin.query('ROLLBACK');
      assert.equal((await held).status, 200, 'the request that held the connection finishes');
      assert.equal((await client.stats()).status, 200);
      const metrics = (await new HubClient(hub.url, undefined).request<string>('GET', '/metrics')).body;
      assert.match(metrics, /^parley_hub_busy_total 1$/m);
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
      await hub.close();
    }
  });

  it('answers 503 while the database drops its connections mid-request, then recovers; readiness says when the schema is behind', async () => {
    const hub = await testHub(database.url);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const client = new HubClient(hub.url, (await addTestUser(database.url, 'outage', 'red')).token);
      assert.equal((await client.stats()).status, 200);
      // A search waits on a lock; the database then ends the hub's sessions, as a restart would (this
      // database's only: other hubs of the cluster, such as a bench's, are not this test's to cut off).
      await admin.query('BEGIN; LOCK TABLE hub_chunks IN ACCESS EXCLUSIVE MODE');
      const pending = client.search('release checklist');
      await waitingOnLock(admin, 'the search');
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'parley-hub' AND datname = current_database()");
      const during = await pending;
      assert.equal(during.status, 503, JSON.stringify(during.body));
      assert.equal(during.body.error?.code, 'database_unavailable');
      assert.equal(during.headers.get('retry-after'), '5');
      await admin.query('ROLLBACK');
      assert.equal((await client.search('release checklist')).status, 200, 'the next request reconnects');
      await admin.query('DELETE FROM hub_migrations WHERE version = $1', [LATEST_VERSION]);
      const behind = await new HubClient(hub.url, undefined).request('GET', '/readyz');
      assert.equal(behind.status, 503);
      assert.equal(behind.body.error?.code, 'not_ready');
      assert.equal((await new HubClient(hub.url, undefined).request('GET', '/healthz')).status, 200, 'alive all the same');
    } finally {
      await admin.end();
      await hub.close();
    }
  });
});
