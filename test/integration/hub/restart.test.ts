/**
 * PostgreSQL really restarting under a hub: a private cluster (test/support/pgCluster.ts, not the
 * shared one of scripts/pg-env.sh, which other tests use) is stopped with `pg_ctl stop -m fast`
 * while a search is in flight, then started again on the same port and data directory. The hub
 * answers a clear 503 while the server is gone, says so on /readyz, and serves again, with what
 * was stored before, once the server is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PgCluster } from '../../support/pgCluster';
import { waitFor } from '../../support/poll';
import { addTestUser, HubClient, testHub, titles, type ErrorBody, type HubResponse } from './support';

/** How long the hub may take to refuse a request while the server is down: a refusal, not a hang. */
const PROMPT_MS = 10_000;

function assertUnavailable(response: HubResponse<ErrorBody>, what: string): void {
  assert.equal(response.status, 503, `${what}: ${JSON.stringify(response.body)}`);
  assert.equal(response.body.error?.code, 'database_unavailable', what);
  assert.equal(response.headers.get('retry-after'), '5', what);
}

/**
 * Resolves with the response, or fails once PROMPT_MS have passed: a hub that hangs while its
 * database is gone must fail this test, not stall it.
 */
async function prompt<T>(request: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${PROMPT_MS} ms`)), PROMPT_MS);
  });
  try {
    return await Promise.race([request, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Holds an ACCESS EXCLUSIVE lock on hub_chunks, so that a search waits in the server until it is cut off. */
async function lockChunks(url: string): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: url });
  // The shutdown ends this session too; without a listener its error would take the test down.
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query('BEGIN; LOCK TABLE hub_chunks IN ACCESS EXCLUSIVE MODE');
  return admin;
}

async function hubWaitingOnLock(admin: pg.Client): Promise<void> {
  await waitFor(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'parley-hub' AND wait_event_type = 'Lock'")).rowCount, {
    what: "the hub's search waiting on the lock",
  });
}

describe('hub across a real PostgreSQL restart', () => {
  let cluster: PgCluster | undefined;
  let hub: Awaited<ReturnType<typeof testHub>> | undefined;
  let client: HubClient;
  let anonymous: HubClient;

  before(async () => {
    cluster = new PgCluster('restart');
    await cluster.create();
    await cluster.start();
    hub = await testHub(cluster.url());
    client = new HubClient(hub.url, (await addTestUser(cluster.url(), 'restart', 'red')).token);
    anonymous = new HubClient(hub.url, undefined);
  });

  after(async () => {
    await hub?.close();
    await cluster?.dispose();
  });

  it('answers 503 while PostgreSQL is stopped mid-request, reports it on /readyz, and serves the same data once it is back', async () => {
    const db = cluster!;
    const uploaded = await client.upload('release.md', '# Release\n\nThe release checklist lives in the wiki.', { visibility: 'shared' });
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.deepEqual(titles(await client.search('release checklist')), ['release']);

    const admin = await lockChunks(db.url());
    const pending = client.search('release checklist');
    try {
      await hubWaitingOnLock(admin);
      await db.stop();
    } finally {
      await admin.end().catch(() => undefined);
    }
    const inFlight = 'the search in flight when the server stopped';
    assertUnavailable(await prompt(pending, inFlight), inFlight);

    const down = 'a request while the server is down';
    assertUnavailable(await prompt(client.stats(), down), down);
    const ready = await prompt(anonymous.request('GET', '/readyz'), '/readyz while the server is down');
    assert.equal(ready.status, 503, JSON.stringify(ready.body));
    assert.equal(ready.body.error?.code, 'not_ready');
    assert.match(ready.body.error?.message ?? '', /cannot be reached/);
    assert.equal((await anonymous.request('GET', '/healthz')).status, 200, 'the process is alive all the same');

    await db.start();
    await waitFor(async () => (await client.stats()).status === 200, { what: 'the hub serving again after the restart' });
    assert.deepEqual(titles(await client.search('release checklist')), ['release'], 'the note stored before the restart is still found');
    assert.equal((await anonymous.request('GET', '/readyz')).status, 200);
  });
});
