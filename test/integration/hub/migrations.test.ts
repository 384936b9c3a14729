/**
 * The hub's migrations on a database of the previous schema version, on the real PostgreSQL
 * (scripts/pg-env.sh): a version-1 database with teams, users, shared and private notes, votes,
 * corrections and tags is brought to the current version by hubs starting at the same moment,
 * with every row kept; the passage and word counts the migrations add start right and follow every
 * write after them, as do the passage and note lengths that BM25 ranks with; users change their
 * own credit, and nobody else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BuiltinEmbedder } from '../../../server/knowledge/embed/builtin';
import { HubDatabase, type Identity } from '../../../server/hub/database';
import { uploadDocument } from '../../../server/hub/documents';
import { giveFeedback } from '../../../server/hub/feedback';
import { MIGRATIONS, migrate } from '../../../server/hub/schema';
import { addUser, type NewUser } from '../../../server/hub/users';
import { freshDatabase, HubClient, memoryLogger, testHub, titles, type TestDatabase } from './support';

/** The tables of version 1, each as one checksum of all its rows in a fixed order. */
const VERSION_1_TABLES = [
  'hub_meta',
  'hub_teams',
  'hub_users',
  'hub_tokens',
  'hub_documents',
  'hub_chunks',
  'hub_votes',
  'hub_corrections',
  'hub_passage_tags',
];

const identity = (user: NewUser): Identity => ({ userId: user.userId, teamId: user.teamId, userName: user.user, teamName: user.team });

/** Each version-1 table's columns, read before the migrations add any. */
async function columnsOf(admin: pg.Client): Promise<Record<string, string[]>> {
  const { rows } = await admin.query<{ table_name: string; columns: string[] }>(
    `SELECT table_name, array_agg(quote_ident(column_name::text) ORDER BY ordinal_position) AS columns
     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1) GROUP BY table_name`,
    [VERSION_1_TABLES],
  );
  return Object.fromEntries(rows.map((row) => [row.table_name, row.columns]));
}

/** Each version-1 table's rows, over its version-1 columns, as one checksum. */
async function checksums(admin: pg.Client, columns: Record<string, string[]>): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of VERSION_1_TABLES) {
    const row = `row(${columns[table]!.join(', ')})::text`;
    const { rows } = await admin.query<{ n: number; sum: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(${row}, E'\\n' ORDER BY ${row})) AS sum FROM ${table} t`,
    );
    sums[table] = `${rows[0]!.n} rows, ${rows[0]!.sum}`;
  }
  return sums;
}

/** The kept counts of passages and of word stems against a count of the passages themselves, zero rows left out. */
async function countsAgree(admin: pg.Client): Promise<void> {
  const kept = await admin.query('SELECT team_id, owner_id, visibility, passages::int FROM hub_passage_counts WHERE passages <> 0 ORDER BY 1, 2, 3');
  const truth = await admin.query(
    'SELECT team_id, owner_id, visibility, count(*)::int AS passages FROM hub_chunks GROUP BY team_id, owner_id, visibility ORDER BY 1, 2, 3',
  );
  assert.deepEqual(kept.rows, truth.rows);
  const stems = await admin.query('SELECT team_id, stem, owner_id, visibility, passages::int FROM hub_stem_counts WHERE passages <> 0 ORDER BY 1, 2, 3, 4');
  const stemTruth = await admin.query(
    `SELECT c.team_id, s.stem, c.owner_id, c.visibility, count(*)::int AS passages FROM hub_chunks c, unnest(c.stems) AS s(stem)
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  assert.ok(stemTruth.rows.length > 0);
  assert.deepEqual(stems.rows, stemTruth.rows);
  // BM25's lengths: each passage's and note's words, and their sums per user and visibility.
  const words = await admin.query('SELECT team_id, owner_id, visibility, words::int FROM hub_passage_counts WHERE passages <> 0 ORDER BY 1, 2, 3');
  const wordTruth = await admin.query(
    'SELECT team_id, owner_id, visibility, sum(hub_tsv_length(tsv))::int AS words FROM hub_chunks GROUP BY team_id, owner_id, visibility ORDER BY 1, 2, 3',
  );
  assert.deepEqual(words.rows, wordTruth.rows);
  const stale = await admin.query(
    `SELECT d.path FROM hub_documents d
     CROSS JOIN LATERAL (SELECT coalesce((SELECT setweight(to_tsvector('english', min(c.title)), 'A') ||
             setweight(to_tsvector('english', coalesce(string_agg(DISTINCT c.heading, ' › '), '')), 'B') ||
             setweight(to_tsvector('english', string_agg(c.text, E'\\n' ORDER BY c.ord)), 'D') FROM hub_chunks c WHERE c.document_id = d.id), '') AS tsv) own
     WHERE d.frequencies <> hub_term_frequencies(own.tsv) OR d.length <> hub_tsv_length(own.tsv)`,
  );
  const passages = await admin.query('SELECT id FROM hub_chunks WHERE frequencies <> hub_term_frequencies(tsv) OR length <> hub_tsv_length(tsv)');
  assert.deepEqual(passages.rows, [], "every passage's frequencies are its tsvector's");
  assert.deepEqual(stale.rows, [], "every note's words are its passages'");
  const notes = await admin.query('SELECT team_id, owner_id, visibility, notes::int, words::int FROM hub_note_counts WHERE notes <> 0 ORDER BY 1, 2, 3');
  const noteTruth = await admin.query(
    'SELECT team_id, owner_id, visibility, count(*)::int AS notes, sum(length)::int AS words FROM hub_documents GROUP BY team_id, owner_id, visibility ORDER BY 1, 2, 3',
  );
  assert.deepEqual(notes.rows, noteTruth.rows);
}

describe('hub migrations on a database of the previous version', () => {
  let database: TestDatabase;
  let admin: pg.Client;
  const users: Record<'alice' | 'bob' | 'carol', NewUser> = {} as never;
  /** The passage of alice's shared note that bob voted on, corrected and tagged. */
  let voted = 0;
  let version1Columns: Record<string, string[]> = {};

  before(async () => {
    database = await freshDatabase('migrations');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // Version 1, as a hub of the previous release left it, with its users' work in it.
    const log = memoryLogger();
    const db = HubDatabase.connect({ url: database.url, log });
    try {
      const client = await db.pool.connect();
      await migrate(client, log, 1).finally(() => client.release());
      // The uploads below go through today's code, which also writes the text that version 4 keeps:
      // its column exists only while they run, so what is left is version 1's shape and data.
      await admin.query('ALTER TABLE hub_documents ADD COLUMN content text');
      users.alice = await addUser(db, 'alice', 'red', { credit: true });
      users.bob = await addUser(db, 'bob', 'red');
      users.carol = await addUser(db, 'carol', 'blue');
      await admin.query("INSERT INTO hub_meta (key, value) VALUES ('embedder', $1)", [new BuiltinEmbedder().id]);
      const embedder = new BuiltinEmbedder();
      const upload = (user: NewUser, path: string, content: string, visibility: 'private' | 'shared') =>
        uploadDocument(db, identity(user), embedder, { path, content, visibility, tags: [], category: 'ops' });
      await upload(
        users.alice,
        'deploy.md',
        '# Deploy\n\nThe canary deploy runs before the full rollout.\n\n## Rollback\n\nRollback uses the previous image.',
        'shared',
      );
      await upload(users.alice, 'diary.md', '# Diary\n\nThe canary deploy made me nervous today.', 'private');
      await upload(users.bob, 'oncall.md', '# On call\n\nThe pager rotation changes on Mondays; canary alerts page the owner.', 'shared');
      await upload(users.carol, 'blue.md', '# Blue canary\n\nThe blue team deploys its canary on Fridays.', 'shared');
      voted = Number((await admin.query<{ id: string }>("SELECT min(id) AS id FROM hub_chunks WHERE title = 'deploy'")).rows[0]!.id);
      const bob = identity(users.bob);
      await giveFeedback(db, bob, { chunkId: voted, feedbackType: 'helpful' });
      await giveFeedback(db, bob, { chunkId: voted, feedbackType: 'correction', correctionText: 'The canary deploy runs for an hour first.' });
      await giveFeedback(db, bob, { chunkId: voted, feedbackType: 'tag', tag: 'release' });
      await admin.query('ALTER TABLE hub_documents DROP COLUMN content');
      version1Columns = await columnsOf(admin);
    } finally {
      await db.close();
    }
  });

  after(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('brings a version-1 database with data to the current version once under concurrent starts, every row kept', async () => {
    assert.deepEqual((await admin.query('SELECT version FROM hub_migrations')).rows, [{ version: 1 }]);
    const before = await checksums(admin, version1Columns);
    const hubs = await Promise.all([testHub(database.url), testHub(database.url), testHub(database.url)]);
    try {
      const { rows } = await admin.query<{ version: number; n: number }>(
        'SELECT version, count(*)::int AS n FROM hub_migrations GROUP BY version ORDER BY version',
      );
      assert.deepEqual(
        rows,
        MIGRATIONS.map(({ version }) => ({ version, n: 1 })),
      );
      assert.deepEqual(await checksums(admin, version1Columns), before);
      await countsAgree(admin);
      const bob = new HubClient(hubs[1]!.url, users.bob.token);
      const found = await bob.search('canary deploy');
      assert.deepEqual([...new Set(titles(found))].sort(), ['deploy', 'oncall'], "alice's shared note and bob's own, not her diary nor the blue team's");
      const deploy = found.body.passages.find((passage) => passage.chunkId === voted)!;
      assert.deepEqual(deploy.votes, { up: 1, down: 0 });
      assert.equal(deploy.correction?.text, 'The canary deploy runs for an hour first.');
      assert.ok(deploy.tags.includes('release'));
      assert.equal(deploy.contributor, 'alice');
      assert.deepEqual(titles(await new HubClient(hubs[2]!.url, users.carol.token).search('canary deploy')), ['blue']);
      assert.equal((await new HubClient(hubs[0]!.url, users.alice.token).search('nervous')).body.passages[0]?.title, 'diary');
      for (const hub of hubs) assert.equal((await new HubClient(hub.url, undefined).request('GET', '/readyz')).status, 200);
    } finally {
      await Promise.all(hubs.map((hub) => hub.close()));
    }
  });

  it('keeps the passage counts right through uploads, re-uploads, visibility changes and deletes, and shows each user only theirs to see', async () => {
    const hub = await testHub(database.url);
    try {
      const alice = new HubClient(hub.url, users.alice.token);
      const added = await alice.upload('runbook.md', '# Runbook\n\n## Disk full\n\nDelete old logs.\n\n## Out of memory\n\nRestart the worker.', {
        visibility: 'private',
      });
      assert.equal(added.status, 201);
      await countsAgree(admin);
      // The same path again, with one passage fewer, and made shared at once.
      assert.equal((await alice.upload('runbook.md', '# Runbook\n\n## Disk full\n\nDelete old logs.', { visibility: 'shared' })).status, 200);
      await countsAgree(admin);
      assert.equal((await alice.setVisibility(added.body.documentId, 'private')).status, 200);
      await countsAgree(admin);
      // Uploaded again with no text at all: no passages, and a note of no words.
      assert.equal((await alice.upload('runbook.md', '', { visibility: 'private' })).status, 200);
      await countsAgree(admin);
      assert.equal((await alice.remove(added.body.documentId)).status, 200);
      await countsAgree(admin);
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => alice.upload(`burst-${i % 3}.md`, `# Burst ${i}\n\nParallel upload ${i}.`, { visibility: 'shared' })),
      );
      await countsAgree(admin);

      const db = HubDatabase.connect({ url: database.url, log: memoryLogger() });
      try {
        const seen = (user: NewUser) =>
          db.asUser(identity(user), async (client) => (await client.query('SELECT team_id, owner_id, visibility FROM hub_passage_counts ORDER BY 2, 3')).rows);
        const bobSees = await seen(users.bob);
        assert.ok(bobSees.every((row) => row.team_id === users.bob.teamId && (row.visibility === 'shared' || row.owner_id === users.bob.userId)));
        assert.ok(!bobSees.some((row) => row.owner_id === users.alice.userId && row.visibility === 'private'), "alice's private count is hers");
        assert.deepEqual(
          (await seen(users.carol)).map((row) => row.owner_id),
          [users.carol.userId],
        );
        const words = await db.asUser(
          identity(users.bob),
          async (client) => (await client.query("SELECT owner_id, visibility FROM hub_stem_counts WHERE stem = 'nervous'")).rows,
        );
        assert.deepEqual(words, [], "the word only alice's private diary holds counts for nobody else");
        // The full-text matches, found through the index outside the policies, apply their rule.
        const matches = (user: NewUser, query: string) =>
          db.asUser(identity(user), async (client) =>
            (
              await client.query<{ owner_id: number }>(
                "SELECT c.owner_id FROM hub_text_matches(to_tsquery('english', $1), NULL) AS m(id) JOIN hub_chunks c ON c.id = m.id",
                [query],
              )
            ).rows.map((row) => row.owner_id),
          );
        const unfiltered = await admin.query<{ id: string }>("SELECT c.id FROM hub_chunks c WHERE c.tsv @@ to_tsquery('english', 'nervous | canary')");
        assert.ok(unfiltered.rows.length >= 4);
        assert.deepEqual([...new Set(await matches(users.bob, 'nervous | canary'))].sort(), [users.alice.userId, users.bob.userId].sort());
        assert.deepEqual(await matches(users.bob, 'nervous'), [], "alice's diary");
        assert.deepEqual([...new Set(await matches(users.carol, 'canary'))], [users.carol.userId]);
      } finally {
        await db.close();
      }
    } finally {
      await hub.close();
    }
  });

  it('reads a note uploaded before the hub kept document text from its passages, and as written once it is uploaded again', async () => {
    const hub = await testHub(database.url);
    try {
      const alice = new HubClient(hub.url, users.alice.token);
      const bob = new HubClient(hub.url, users.bob.token);
      const id = (await bob.search('canary deploy')).body.passages.find((passage) => passage.title === 'deploy')!.documentId;
      const old = await bob.document(id);
      assert.equal(old.status, 200, JSON.stringify(old.body));
      assert.equal(old.body.fromPassages, true);
      assert.match(old.body.content, /The canary deploy runs before the full rollout\.[\s\S]*Rollback uses the previous image\./);
      assert.equal(old.body.contributor, 'alice');
      const text = '# Deploy\n\nThe canary deploy runs before the full rollout.\n\n## Rollback\n\nRollback uses the previous image, tagged `stable`.';
      assert.equal((await alice.upload('deploy.md', text, { visibility: 'shared' })).status, 200);
      assert.deepEqual([(await bob.document(id)).body.content, (await bob.document(id)).body.fromPassages], [text, false]);
    } finally {
      await hub.close();
    }
  });

  it('lets users change whether they are credited, for themselves only, and refuses a malformed change', async () => {
    const hub = await testHub(database.url);
    try {
      const alice = new HubClient(hub.url, users.alice.token);
      const bob = new HubClient(hub.url, users.bob.token);
      assert.deepEqual((await bob.request('GET', '/api/kb/me')).body, { user: 'bob', team: 'red', credit: false });
      assert.equal((await alice.search('pager rotation')).body.passages[0]?.contributor, null, 'bob is anonymous until he opts in');
      assert.deepEqual((await bob.request('PATCH', '/api/kb/me', { json: { credit: true } })).body, { user: 'bob', team: 'red', credit: true });
      assert.equal((await alice.search('pager rotation')).body.passages[0]?.contributor, 'bob');
      assert.ok((await alice.stats()).body.topContributors.some((entry) => entry.name === 'bob'));
      for (const body of [{ credit: 'yes' }, { credit: true, name: 'mallory' }, {}]) {
        const refused = await bob.request('PATCH', '/api/kb/me', { json: body });
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.equal(refused.body.error?.code, 'invalid_request');
      }
      assert.equal((await bob.request('PATCH', '/api/kb/me', { json: { credit: false } })).status, 200);
      assert.equal((await alice.search('pager rotation')).body.passages[0]?.contributor, null);
      const credits = await admin.query('SELECT name, credit FROM hub_users ORDER BY name');
      assert.deepEqual(credits.rows, [
        { name: 'alice', credit: true },
        { name: 'bob', credit: false },
        { name: 'carol', credit: false },
      ]);
      // Behind the route, the policy: as bob, an update of every user touches his own row alone.
      const db = HubDatabase.connect({ url: database.url, log: memoryLogger() });
      try {
        const updated = await db.asUser(identity(users.bob), (client) => client.query('UPDATE hub_users SET credit = true'));
        assert.equal(updated.rowCount, 1);
        await assert.rejects(
          db.asUser(identity(users.bob), (client) => client.query("UPDATE hub_users SET name = 'mallory' WHERE id = $1", [users.bob.userId])),
          /permission denied/,
        );
      } finally {
        await db.close();
      }
      assert.deepEqual(
        (await admin.query('SELECT name, credit FROM hub_users ORDER BY name')).rows.map((row) => row.credit),
        [true, true, false],
      );
    } finally {
      await hub.close();
    }
  });
});
