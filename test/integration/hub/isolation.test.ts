/**
 * Tenancy on the real PostgreSQL (scripts/pg-env.sh): two teams, private and shared notes, and
 * every route asked for what is not the caller's. Private notes never reach another user, nothing
 * crosses teams, visibility changes count at once, and row-level security holds even a query that
 * forgets its filter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HubDatabase, type Identity } from '../../../server/hub/database';
import { addTestUser, freshDatabase, HubClient, memoryLogger, testHub, titles, type TestDatabase } from './support';

const NOTE = (topic: string) =>
  `# ${topic}\n\nThe staging cluster deploy uses kubectl rollout for ${topic}.\n\n## Rollback\n\nRun kubectl rollout undo on the ${topic} deployment.`;

describe('hub isolation between teams and users', () => {
  let database: TestDatabase;
  let hub: Awaited<ReturnType<typeof testHub>>;
  let alice: HubClient; // team red
  let bob: HubClient; // team red
  let carol: HubClient; // team blue
  const ids: Record<string, number> = {};
  const chunk: Record<string, number> = {};
  let aliceWho: Identity;
  let bobWho: Identity;

  before(async () => {
    database = await freshDatabase('isolation');
    hub = await testHub(database.url);
    const [a, b, c] = [
      await addTestUser(database.url, 'alice', 'red'),
      await addTestUser(database.url, 'bob', 'red'),
      await addTestUser(database.url, 'carol', 'blue'),
    ];
    aliceWho = { userId: a.userId, teamId: a.teamId, userName: a.user, teamName: a.team };
    bobWho = { userId: b.userId, teamId: b.teamId, userName: b.user, teamName: b.team };
    [alice, bob, carol] = [new HubClient(hub.url, a.token), new HubClient(hub.url, b.token), new HubClient(hub.url, c.token)];
    for (const [name, client, visibility, category] of [
      ['alice-private', alice, 'private', 'secrets'],
      ['alice-shared', alice, 'shared', 'ops'],
      ['bob-shared', bob, 'shared', 'ops'],
      ['carol-shared', carol, 'shared', 'ops'],
      ['carol-private', carol, 'private', 'secrets'],
    ] as const) {
      const response = await client.upload(`${name}.md`, NOTE(name), { visibility, category });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      ids[name] = response.body.documentId;
      const found = await client.search(`${name} rollout`);
      chunk[name] = found.body.passages.find((passage) => passage.documentId === ids[name])!.chunkId;
    }
  });

  after(async () => {
    await hub?.close();
    await database?.drop();
  });

  it('searches see one team only, and private notes only for their owner', async () => {
    assert.deepEqual(new Set(titles(await alice.search('staging cluster rollout'))), new Set(['alice-private', 'alice-shared', 'bob-shared']));
    assert.deepEqual(new Set(titles(await bob.search('staging cluster rollout'))), new Set(['alice-shared', 'bob-shared']));
    assert.deepEqual(new Set(titles(await carol.search('staging cluster rollout'))), new Set(['carol-shared', 'carol-private']));
    // Words only the other notes hold find nothing at all.
    assert.ok(!titles(await bob.search('alice private secrets')).includes('alice-private'));
    assert.deepEqual(titles(await carol.search('alice bob')), []);
    assert.deepEqual(titles(await bob.search('rollout', { category: 'secrets' })), []);
    assert.deepEqual(titles(await alice.search('rollout', { category: 'secrets' })), ['alice-private', 'alice-private']);
  });

  it('feedback on a passage the user cannot see is "not found", whatever its kind', async () => {
    const attempts = [
      [carol, chunk['alice-shared']],
      [carol, chunk['alice-private']],
      [bob, chunk['alice-private']],
      [alice, chunk['carol-shared']],
      [bob, 999_999],
    ] as const;
    for (const [client, chunkId] of attempts) {
      for (const body of [
        { chunkId, feedbackType: 'helpful' },
        { chunkId, feedbackType: 'not_helpful' },
        { chunkId, feedbackType: 'correction', correctionText: 'leaked?' },
        { chunkId, feedbackType: 'tag', tag: 'leaked' },
      ]) {
        const response = await client.feedback(body);
        assert.equal(response.status, 404, `${JSON.stringify(body)} → ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error?.code, 'not_found');
      }
    }
    const own = await bob.feedback({ chunkId: chunk['alice-shared'], feedbackType: 'helpful' });
    assert.equal(own.status, 200);
    assert.equal((await alice.stats()).body.votes, 1);
    assert.equal((await carol.stats()).body.votes, 0);
  });

  it('only the owner changes or removes a document; others get 403 in the team and 404 outside it', async () => {
    assert.equal((await bob.setVisibility(ids['alice-shared']!, 'private')).status, 403);
    assert.equal((await bob.remove(ids['alice-shared']!)).status, 403);
    assert.equal((await bob.setVisibility(ids['alice-private']!, 'shared')).status, 404);
    assert.equal((await bob.remove(ids['alice-private']!)).status, 404);
    assert.equal((await carol.setVisibility(ids['alice-shared']!, 'private')).status, 404);
    assert.equal((await carol.remove(ids['alice-shared']!)).status, 404);
    assert.equal((await carol.remove(ids['alice-private']!)).status, 404);
    assert.deepEqual(new Set(titles(await bob.search('staging cluster rollout'))), new Set(['alice-shared', 'bob-shared']));
  });

  it("a document is read whole by its owner and, once shared, by the team: never a teammate's private one, never another team's", async () => {
    const own = await alice.document(ids['alice-private']!);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.content, NOTE('alice-private'), 'the Markdown as uploaded');
    assert.deepEqual(
      [own.body.path, own.body.visibility, own.body.mine, own.body.contributor, own.body.fromPassages],
      ['alice-private.md', 'private', true, 'alice', false],
    );
    const teammate = await bob.document(ids['alice-shared']!);
    assert.equal(teammate.status, 200);
    assert.equal(teammate.body.content, NOTE('alice-shared'));
    assert.deepEqual([teammate.body.mine, teammate.body.contributor], [false, null], 'alice did not opt in to credit');
    for (const [client, id] of [
      [bob, ids['alice-private']],
      [carol, ids['alice-shared']],
      [carol, ids['alice-private']],
      [alice, ids['carol-shared']],
      [alice, 999_999],
    ] as const) {
      const response = await client.document(id!);
      assert.equal(response.status, 404, JSON.stringify(response.body));
      assert.equal(response.body.error?.code, 'not_found');
      assert.equal(response.body.content, undefined);
    }
    assert.equal((await alice.request('GET', '/api/kb/documents/abc')).status, 400);
    assert.equal((await new HubClient(hub.url, undefined).document(ids['alice-shared']!)).status, 401);
  });

  it('stats and contributions count the team and the user only, and never a private note', async () => {
    const red = (await bob.stats()).body;
    assert.equal(red.team, 'red');
    assert.equal(red.documents, 2);
    assert.equal(red.passages, 4);
    assert.equal(red.contributors, 2);
    assert.deepEqual(red.topCategories, [{ category: 'ops', documents: 2 }]);
    const blue = (await carol.stats()).body;
    assert.equal(blue.documents, 1);
    assert.equal(blue.contributors, 1);
    const mine = (await alice.contributions()).body;
    assert.deepEqual(mine.documents.map((doc) => doc.title).sort(), ['alice-private', 'alice-shared']);
    assert.equal(mine.documents.find((doc) => doc.title === 'alice-shared')!.votes.up, 1);
    assert.deepEqual(
      (await bob.contributions()).body.documents.map((doc) => doc.title),
      ['bob-shared'],
    );
    assert.deepEqual(
      (await bob.contributions()).body.feedback.map((entry) => [entry.kind, entry.title]),
      [['helpful', 'alice-shared']],
    );
    assert.deepEqual((await carol.contributions()).body.feedback, []);
  });

  it('a visibility change counts for every route at once', async () => {
    assert.equal((await alice.setVisibility(ids['alice-shared']!, 'private')).status, 200);
    assert.deepEqual(titles(await bob.search('staging cluster rollout')), ['bob-shared', 'bob-shared']);
    assert.equal((await bob.document(ids['alice-shared']!)).status, 404);
    assert.equal((await bob.feedback({ chunkId: chunk['alice-shared'], feedbackType: 'not_helpful' })).status, 404);
    assert.equal((await bob.stats()).body.documents, 1);
    assert.equal((await bob.stats()).body.votes, 0, "bob's vote is on a note that is private now");
    assert.deepEqual((await bob.contributions()).body.feedback, []);
    assert.equal((await alice.setVisibility(ids['alice-shared']!, 'shared')).status, 200);
    assert.ok(titles(await bob.search('staging cluster rollout')).includes('alice-shared'));
    assert.equal((await bob.stats()).body.votes, 1, 'the vote counts again once the note is shared again');
  });

  it('row-level security holds a query without the team or owner filter to the caller', async () => {
    const db = HubDatabase.connect({ url: database.url, log: memoryLogger() });
    try {
      const seen = (who: Identity) =>
        db.asUser(who, async (client) => {
          const { rows } = await client.query<{ title: string; team: number }>('SELECT title, team_id AS team FROM hub_documents ORDER BY title');
          const users = await client.query<{ name: string }>('SELECT name FROM hub_users ORDER BY name');
          const teams = await client.query<{ name: string }>('SELECT name FROM hub_teams');
          const chunks = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM hub_chunks');
          return {
            documents: rows.map((row) => row.title),
            users: users.rows.map((row) => row.name),
            teams: teams.rows.map((row) => row.name),
            chunks: chunks.rows[0]!.n,
          };
        });
      assert.deepEqual(await seen(bobWho), { documents: ['alice-shared', 'bob-shared'], users: ['alice', 'bob'], teams: ['red'], chunks: 4 });
      assert.deepEqual((await seen(aliceWho)).documents, ['alice-private', 'alice-shared', 'bob-shared']);
      await assert.rejects(
        db.asUser(bobWho, (client) => client.query('SELECT hash FROM hub_tokens')),
        /permission denied/,
      );
      await assert.rejects(
        db.asUser(bobWho, (client) => client.query('SELECT * FROM hub_rate')),
        /permission denied/,
      );
      // Writing into another team, or as another user, is refused by the policies themselves.
      await assert.rejects(
        db.asUser(bobWho, (client) =>
          client.query("INSERT INTO hub_documents (team_id, owner_id, path, title, visibility, size) VALUES ($1, $2, 'x.md', 'x', 'shared', 1)", [
            aliceWho.teamId + 1,
            bobWho.userId,
          ]),
        ),
        /row-level security/,
      );
      await assert.rejects(
        db.asUser(bobWho, (client) =>
          client.query("INSERT INTO hub_documents (team_id, owner_id, path, title, visibility, size) VALUES ($1, $2, 'x.md', 'x', 'shared', 1)", [
            bobWho.teamId,
            aliceWho.userId,
          ]),
        ),
        /row-level security/,
      );
      const changed = await db.asUser(bobWho, (client) => client.query("UPDATE hub_documents SET title = 'hijacked' WHERE path = 'alice-shared.md'"));
      assert.equal(changed.rowCount, 0);
      const removed = await db.asUser(bobWho, (client) => client.query('DELETE FROM hub_chunks'));
      assert.equal(removed.rowCount, 2, "only bob's own passages");
    } finally {
      await db.close();
    }
    const bobNote = await bob.upload('bob-shared.md', NOTE('bob-shared'), { visibility: 'shared', category: 'ops' });
    assert.equal(bobNote.status, 200);
  });

  it('deleting removes the note, its passages and the feedback on them', async () => {
    const removed = await alice.remove(ids['alice-shared']!);
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body, { documentId: ids['alice-shared'], deleted: true });
    assert.ok(!titles(await bob.search('staging cluster rollout')).includes('alice-shared'));
    assert.equal((await bob.feedback({ chunkId: chunk['alice-shared'], feedbackType: 'helpful' })).status, 404);
    assert.equal((await alice.stats()).body.votes, 0);
    assert.equal((await alice.remove(ids['alice-shared']!)).status, 404);
  });
});
