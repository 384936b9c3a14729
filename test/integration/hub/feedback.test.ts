/**
 * Votes, corrections and tags on the real PostgreSQL (scripts/pg-env.sh): one vote per user per
 * passage, quality from votes moving the ranking, corrections as versions beside the original,
 * and contributors credited only when they chose to be.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { qualityScore } from '../../../server/knowledge/store';
import { addTestUser, freshDatabase, HubClient, testHub, titles, type TestDatabase } from './support';

describe('hub feedback', () => {
  let database: TestDatabase;
  let hub: Awaited<ReturnType<typeof testHub>>;
  let alice: HubClient;
  let bob: HubClient;
  let carl: HubClient;

  before(async () => {
    database = await freshDatabase('feedback');
    hub = await testHub(database.url);
    alice = new HubClient(hub.url, (await addTestUser(database.url, 'alice', 'red', { credit: true })).token);
    bob = new HubClient(hub.url, (await addTestUser(database.url, 'bob', 'red')).token);
    carl = new HubClient(hub.url, (await addTestUser(database.url, 'carl', 'red')).token);
    assert.equal((await alice.upload('a.md', '# Retries\n\nRetry the flaky integration job with exponential backoff.', { visibility: 'shared' })).status, 201);
    assert.equal((await bob.upload('b.md', '# Retrying\n\nRetry the flaky integration job with exponential backoff.', { visibility: 'shared' })).status, 201);
  });

  after(async () => {
    await hub?.close();
    await database?.drop();
  });

  const passageOf = async (client: HubClient, title: string) =>
    (await client.search('flaky integration job backoff')).body.passages.find((p) => p.title === title)!;

  it('keeps one vote per user per passage: a second vote replaces the first', async () => {
    const chunkId = (await passageOf(carl, 'a')).chunkId;
    const first = await carl.feedback({ chunkId, feedbackType: 'helpful' });
    assert.deepEqual(first.body, { chunkId, feedbackType: 'helpful', vote: 1, up: 1, down: 0, quality: qualityScore(1, 0) });
    assert.deepEqual((await carl.feedback({ chunkId, feedbackType: 'helpful' })).body.up, 1, 'the same vote twice counts once');
    const changed = await carl.feedback({ chunkId, feedbackType: 'not_helpful' });
    assert.deepEqual([changed.body.up, changed.body.down], [0, 1]);
    const other = await bob.feedback({ chunkId, feedbackType: 'not_helpful' });
    assert.deepEqual([other.body.up, other.body.down, other.body.quality], [0, 2, qualityScore(0, 2)]);
    assert.deepEqual((await passageOf(alice, 'a')).votes, { up: 0, down: 2 });
  });

  it('ranks a passage with better votes above its twin', async () => {
    assert.deepEqual(titles(await carl.search('flaky integration job backoff')).slice(0, 2), ['b', 'a'], 'the down-voted twin ranks second');
    const a = (await passageOf(carl, 'a')).chunkId;
    for (const client of [alice, bob, carl]) assert.equal((await client.feedback({ chunkId: a, feedbackType: 'helpful' })).status, 200);
    const ranked = (await carl.search('flaky integration job backoff')).body.passages;
    assert.deepEqual(
      ranked.slice(0, 2).map((p) => p.title),
      ['a', 'b'],
    );
    assert.ok(ranked[0]!.score > ranked[1]!.score);
    assert.equal(ranked[0]!.quality, qualityScore(3, 0));
  });

  it('keeps corrections as numbered versions beside the original, searchable with the passage', async () => {
    const chunkId = (await passageOf(bob, 'a')).chunkId;
    const first = await bob.feedback({ chunkId, feedbackType: 'correction', correctionText: '  Use the retry plugin with jitter.  ' });
    assert.deepEqual(first.body, {
      chunkId,
      feedbackType: 'correction',
      version: 1,
      text: 'Use the retry plugin with jitter.',
      original: 'Retry the flaky integration job with exponential backoff.',
    });
    const racing = await Promise.all(
      ['second', 'third', 'fourth'].map((word) =>
        carl.feedback({ chunkId, feedbackType: 'correction', correctionText: `A ${word} correction mentioning quarantine.` }),
      ),
    );
    assert.deepEqual(racing.map((r) => r.body.version).sort(), [2, 3, 4]);
    const passage = (await alice.search('quarantine')).body.passages[0]!;
    assert.equal(passage.chunkId, chunkId);
    assert.equal(passage.correction?.version, 4);
    assert.equal(passage.snippet, 'Retry the flaky integration job with exponential backoff.', 'the original text is kept');
    const bobs = (await bob.contributions()).body.feedback.filter((entry) => entry.kind === 'correction');
    assert.deepEqual(
      bobs.map((entry) => entry.detail),
      ['version 1: Use the retry plugin with jitter.'],
    );
    assert.equal((await alice.stats()).body.corrections, 4);
  });

  it('adds tags that search finds, and refuses bad feedback', async () => {
    const chunkId = (await passageOf(bob, 'b')).chunkId;
    const tagged = await carl.feedback({ chunkId, feedbackType: 'tag', tag: '#ci/flaky' });
    assert.deepEqual(tagged.body.tags, ['ci/flaky']);
    assert.ok(titles(await alice.search('ci/flaky')).includes('b'));
    for (const body of [
      { chunkId, feedbackType: 'tag', tag: '1984' },
      { chunkId, feedbackType: 'tag', tag: 'two tags' },
      { chunkId, feedbackType: 'correction' },
      { chunkId, feedbackType: 'correction', correctionText: '   ' },
      { chunkId, feedbackType: 'love' },
      { chunkId: String(chunkId), feedbackType: 'helpful' },
      { chunkId, feedbackType: 'helpful', extra: true },
      {},
    ]) {
      const response = await carl.feedback(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error?.code, 'invalid_request');
    }
  });

  it('credits a contributor by name only when they opted in', async () => {
    const passages = (await carl.search('flaky integration job backoff')).body.passages;
    assert.equal(passages.find((p) => p.title === 'a')!.contributor, 'alice');
    assert.equal(passages.find((p) => p.title === 'b')!.contributor, null);
    assert.equal((await passageOf(bob, 'b')).contributor, 'bob', 'one sees one’s own name');
    const stats = (await carl.stats()).body;
    assert.equal(stats.contributors, 2);
    assert.deepEqual(stats.topContributors, [{ name: 'alice', documents: 1 }]);
  });
});
