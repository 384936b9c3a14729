/**
 * Tokens and the rate limit on the real PostgreSQL (scripts/pg-env.sh), and `parley hub user`
 * from the command line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { hubCommand, HubUsageError } from '../../../server/hub/cli';
import { HubDatabase } from '../../../server/hub/database';
import { issueToken, revokeUser } from '../../../server/hub/users';
import { REPO } from '../../support/paths';
import { addTestUser, freshDatabase, HubClient, memoryLogger, testHub, type TestDatabase } from './support';

function parleyHub(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'server', 'cli.ts'), 'hub', ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('hub tokens', () => {
  let database: TestDatabase;
  let hub: Awaited<ReturnType<typeof testHub>>;

  before(async () => {
    database = await freshDatabase('auth');
    hub = await testHub(database.url, { limits: { rateLimitPerMinute: 5 } });
  });

  after(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('refuses a missing, malformed or unknown token on every API route, and needs none for health', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/kb/upload'],
      ['PATCH', '/api/kb/documents/1/visibility'],
      ['DELETE', '/api/kb/documents/1'],
      ['GET', '/api/kb/shared/search?query=x'],
      ['POST', '/api/kb/feedback'],
      ['GET', '/api/kb/my-contributions'],
      ['GET', '/api/kb/shared/stats'],
      ['GET', '/api/kb/me'],
      ['PATCH', '/api/kb/me'],
    ];
    for (const [method, path] of routes) {
      const missing = await new HubClient(hub.url, undefined).request(method, path);
      assert.equal(missing.status, 401, `${method} ${path}`);
      assert.equal(missing.body.error?.code, 'unauthorized');
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
      const malformed = await new HubClient(hub.url, undefined).request(method, path, { headers: { authorization: 'Basic YWxpY2U6cHc=' } });
      assert.equal(malformed.status, 401);
      const wrong = await new HubClient(hub.url, 'phub_not-a-real-token').request(method, path);
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error?.code, 'invalid_token');
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await new HubClient(hub.url, undefined).request('GET', path)).status, 200, path);
  });

  it('stores only the hash of a token, and a revoked token stops working at once', async () => {
    const dana = await addTestUser(database.url, 'dana', 'red');
    const client = new HubClient(hub.url, dana.token);
    assert.equal((await client.stats()).status, 200);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ hash: string }>('SELECT hash FROM hub_tokens');
      assert.ok(rows.some((row) => row.hash === createHash('sha256').update(dana.token).digest('hex')));
      const dump = JSON.stringify((await admin.query('SELECT * FROM hub_tokens t JOIN hub_users u ON u.id = t.user_id')).rows);
      assert.ok(!dump.includes(dana.token));
    } finally {
      await admin.end();
    }
    const db = HubDatabase.connect({ url: database.url, log: memoryLogger() });
    try {
      const second = await issueToken(db, 'dana', 'red');
      assert.notEqual(second.token, dana.token);
      assert.equal((await new HubClient(hub.url, second.token).stats()).status, 200);
      assert.equal(await revokeUser(db, 'dana', 'red'), 2);
    } finally {
      await db.close();
    }
    const refused = await client.stats();
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error?.code, 'invalid_token');
  });

  it('limits each token to its requests per minute with 429 and Retry-After, other tokens unaffected', async () => {
    const erin = await addTestUser(database.url, 'erin', 'red');
    const frank = await addTestUser(database.url, 'frank', 'red');
    const client = new HubClient(hub.url, erin.token);
    // A minute may turn over mid-test; then the count starts again, and the test with it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<HubClient['stats']>> | undefined;
      for (let i = 0; i < 7; i++) {
        const response = await client.stats();
        statuses.push(response.status);
        if (response.status === 429) limited ??= response;
      }
      if (statuses.indexOf(429) !== 5 && attempt === 0) continue;
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      assert.equal(limited!.body.error?.code, 'rate_limited');
      const retryAfter = Number(limited!.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      break;
    }
    assert.equal((await new HubClient(hub.url, frank.token).stats()).status, 200);
    const metrics = (await new HubClient(hub.url, undefined).request<string>('GET', '/metrics')).body;
    assert.match(metrics, /^parley_hub_rate_limited_total (\d+)$/m);
    assert.ok(Number(/^parley_hub_rate_limited_total (\d+)$/m.exec(metrics)![1]) >= 2);
  });

  it('one limit for a token across two hub processes on one database', async () => {
    const other = await testHub(database.url, { limits: { rateLimitPerMinute: 5 } });
    try {
      const gina = await addTestUser(database.url, 'gina', 'red');
      const clients = [new HubClient(hub.url, gina.token), new HubClient(other.url, gina.token)];
      for (let attempt = 0; attempt < 2; attempt++) {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await clients[i % 2]!.stats()).status);
        if (statuses[5] !== 429 && attempt === 0) continue;
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
        break;
      }
    } finally {
      await other.close();
    }
  });
});

describe('parley hub user', () => {
  let database: TestDatabase;

  before(async () => {
    database = await freshDatabase('cli');
  });

  after(async () => {
    await database?.drop();
  });

  it('asks for a database, and for a migrated one', async () => {
    const none = parleyHub(['user', 'add', 'alice']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /PARLEY_HUB_DATABASE_URL/);
    await assert.rejects(hubCommand(['user', 'add', 'alice', '--database', database.url], {}), /start "parley hub" on it once first/);
  });

  it('adds users with a token printed once, issues and revokes tokens', async () => {
    const hub = await testHub(database.url);
    try {
      const added = parleyHub(['user', 'add', 'hana', '--team', 'green', '--json'], { PARLEY_HUB_DATABASE_URL: database.url });
      assert.equal(added.code, 0, added.stderr);
      const { user, team, token } = JSON.parse(added.stdout) as { user: string; team: string; token: string };
      assert.deepEqual([user, team], ['hana', 'green']);
      assert.match(token, /^phub_[A-Za-z0-9_-]{43}$/);
      assert.equal((await new HubClient(hub.url, token).stats()).body.team, 'green');
      const env = { PARLEY_HUB_DATABASE_URL: database.url, PARLEY_LOG: 'warn' };
      await assert.rejects(hubCommand(['user', 'add', 'hana', '--team', 'green'], env), /already has a user "hana"/);
      assert.match(await hubCommand(['user', 'token', 'hana', '--team', 'green'], env), /shown only this once:\nphub_/);
      assert.match(await hubCommand(['user', 'revoke', 'hana', '--team', 'green'], env), /Revoked 2 token\(s\) of hana/);
      assert.equal((await new HubClient(hub.url, token).stats()).status, 401);
      await assert.rejects(hubCommand(['user', 'add', '../x'], env), /user name/);
      await assert.rejects(hubCommand(['user', 'remove', 'hana'], env), HubUsageError);
    } finally {
      await hub.close();
    }
  });
});
