/**
 * The pgvector path: PGlite 0.4 (PostgreSQL 17 with pgvector 0.8) served over the PostgreSQL
 * wire protocol by pglite-socket, reached by the hub's own `pg` code. Debian 12 packages no
 * pgvector, so this is where the HNSW leg runs; everything else is tested on the real server.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { vector } from '@electric-sql/pglite/vector';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { addTestUser, HubClient, testHub, titles } from './support';

describe('hub search with pgvector (PGlite)', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let url: string;
  let hub: Awaited<ReturnType<typeof testHub>>;
  let alice: HubClient;
  let bob: HubClient;
  let carol: HubClient;

  before(async () => {
    db = await PGlite.create({ extensions: { vector } });
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
    url = `postgres://postgres@127.0.0.1:${address.port}/postgres`;
    // PGlite is one session: the hub gets one connection, which its requests take in turn.
    hub = await testHub(url, { maxConnections: 1 });
    alice = new HubClient(hub.url, (await addTestUser(url, 'alice', 'red')).token);
    bob = new HubClient(hub.url, (await addTestUser(url, 'bob', 'red')).token);
    carol = new HubClient(hub.url, (await addTestUser(url, 'carol', 'blue')).token);
  });

  after(async () => {
    await hub?.close();
    await server?.stop();
    await db?.close();
  });

  it('takes up pgvector with an HNSW index, and says so', async () => {
    assert.equal(hub.vectors.kind, 'pgvector');
    assert.ok(hub.vectors.kind === 'pgvector' && hub.vectors.iterativeScan);
    assert.ok(hub.log.lines.some((line) => /Hub search uses pgvector \(HNSW\)/.test(line)));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'hub_chunks_embedding_hnsw'");
      assert.match(rows[0]!.indexdef, /USING hnsw \(embedding_v vector_cosine_ops\)/);
    } finally {
      await client.end();
    }
  });

  it('finds notes through the vector leg, within the team and the visibility rules', async () => {
    assert.equal((await alice.upload('deploy.md', '# Deploying\n\nWe deploy the service with a blue-green rollout.', { visibility: 'shared' })).status, 201);
    assert.equal((await alice.upload('diary.md', '# Diary\n\nMy private deployment worries and rollout fears.', { visibility: 'private' })).status, 201);
    assert.equal((await carol.upload('other.md', '# Rollouts\n\nBlue team rollout deployment steps.', { visibility: 'shared' })).status, 201);
    // Misspelt words match no full-text entry, only word pieces: the nearest-neighbour leg alone finds these.
    assert.deepEqual(titles(await bob.search('deploymnt rolout')), ['deploy']);
    assert.deepEqual(new Set(titles(await alice.search('deploymnt rolout'))), new Set(['deploy', 'diary']));
    assert.deepEqual(titles(await carol.search('deploymnt rolout')), ['other']);
    const chunkId = (await bob.search('blue-green rollout')).body.passages[0]!.chunkId;
    assert.equal((await bob.feedback({ chunkId, feedbackType: 'helpful' })).status, 200);
    assert.equal((await carol.feedback({ chunkId, feedbackType: 'helpful' })).status, 404);
    assert.deepEqual((await bob.search('blue-green rollout')).body.passages[0]!.votes, { up: 1, down: 0 });
  });
});
