/**
 * The approximate vector search for large indexes of dense vectors: a compact copy in memory
 * (CompactVectors: sign patterns pick candidates, 8-bit codes rank them), loaded in slices, its
 * answers checked against the vector table. On clustered vectors, as a trained model's are, it
 * finds what the exact scan finds; writes, deletes and visibility changes are followed, also while
 * it loads, and a passage the database no longer holds is never returned.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import { stderrLogger } from '../../../server/log';
import { CompactVectors } from '../../../server/knowledge/compactVectors';
import { VectorIndex } from '../../../server/knowledge/vectors';
import { openDatabase } from '../../../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../../../server/storage/migrations';
import { tempDir } from '../../support/paths';

const DIMS = 64;

/** A seeded generator, so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

function unit(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

describe('compact vectors', () => {
  const all = ['private', 'shared', 'public'] as const;

  it('picks candidates by differing signs, ties at the boundary kept, and ranks them by cosine', () => {
    const compact = new CompactVectors(4);
    compact.set(1, Float32Array.of(1, 1, 1, 1), 'private');
    compact.set(2, Float32Array.of(1, 1, 1, -1), 'private');
    compact.set(3, Float32Array.of(1, 1, -1, -1), 'shared');
    compact.set(4, Float32Array.of(-1, -1, -1, -1), 'public');
    const query = Float32Array.of(0.5, 0.2, 0.1, 0.3);
    const ids = (k: number, candidates: number, visibilities: readonly ('private' | 'shared' | 'public')[] = all) =>
      compact.nearest(query, k, candidates, visibilities).map((hit) => hit.chunkId);
    assert.deepEqual(ids(4, 1), [1], 'one candidate: the pattern nearest in signs');
    assert.deepEqual(ids(4, 2), [1, 2]);
    assert.deepEqual(ids(4, 4), [1, 2, 3, 4]);
    assert.deepEqual(ids(1, 4), [1]);
    assert.deepEqual(ids(4, 2, ['shared', 'public']), [3, 4]);
    compact.set(4, Float32Array.of(1, 1, 1, 1), 'public');
    assert.deepEqual(ids(4, 1).sort(), [1, 4], 'a tie at the cutoff is kept');
  });

  it("gives each candidate's cosine to within 1% from its 8-bit codes", () => {
    const next = random(3);
    const compact = new CompactVectors(DIMS);
    const stored = Array.from({ length: 50 }, () => Float32Array.from({ length: DIMS }, next));
    stored.forEach((vector, i) => compact.set(i + 1, vector, 'private'));
    const query = Float32Array.from({ length: DIMS }, next);
    const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));
    const hits = compact.nearest(query, 50, 50, all);
    assert.equal(hits.length, 50);
    for (const hit of hits) assert.ok(Math.abs(hit.similarity - cosine(query, stored[hit.chunkId - 1]!)) < 0.01, `passage ${hit.chunkId}`);
    assert.ok(hits.every((hit, i) => i === 0 || hit.similarity <= hits[i - 1]!.similarity));
  });

  it('follows deletes and visibility changes through thousands of passages (slots move, storage grows)', () => {
    const next = random(7);
    const compact = new CompactVectors(DIMS);
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 3000; id++) {
      const vector = Float32Array.from({ length: DIMS }, next);
      vectors.set(id, vector);
      compact.set(id, vector, 'private');
    }
    for (let id = 1; id <= 3000; id += 2) compact.delete(id);
    compact.delete(99_999);
    assert.equal(compact.size, 1500);
    compact.setVisibility(2, 'shared');
    // Each remaining passage is its own nearest, found under its visibility only.
    for (const id of [2, 4, 1000, 2998, 3000]) {
      const visibility = id === 2 ? 'shared' : 'private';
      assert.equal(compact.nearest(vectors.get(id)!, 1, 20, [visibility])[0]?.chunkId, id, `passage ${id}`);
    }
    assert.ok(!compact.nearest(vectors.get(3)!, 1500, 1500, all).some((hit) => hit.chunkId === 3), 'a deleted passage is gone');
    assert.deepEqual(compact.nearest(vectors.get(2)!, 1, 1, ['public']), []);
  });
});

describe('approximate nearest vectors', () => {
  const dir = tempDir('signs');
  let db: Database;
  let vectors: VectorIndex;
  const centres: Float32Array[] = [];
  const all = ['private', 'shared', 'public'] as const;
  let addPassage: (index: VectorIndex, id: number, vector: Float32Array, visibility: 'private' | 'shared' | 'public') => void;

  before(() => {
    ({ db } = openDatabase({
      file: join(dir.path, 'kb.db'),
      migrations: KNOWLEDGE_MIGRATIONS,
      nativeDir: '/nonexistent',
      log: stderrLogger('error'),
      label: 'kb',
    }));
    vectors = new VectorIndex(db);
    vectors.prepare('test:clusters', DIMS);
    // 200 topics of 25 passages each: a trained model's vectors cluster by what a passage is about.
    const next = random(11);
    // The passages' rows, which the compact copy reads its ids from, as the store writes them.
    db.prepare("INSERT INTO sources (id, kind, path, added_at) VALUES (1, 'folder', '/notes', 0)").run();
    db.prepare(
      "INSERT INTO documents (id, source_id, path, rel_path, title, size, mtime_ms, indexed_at) VALUES (1, 1, '/notes/a.md', 'a.md', 'a', 0, 0, 0)",
    ).run();
    const chunk = db.prepare("INSERT INTO chunks (id, document_id, ord, heading, heading_path, line, text, passage) VALUES (?, 1, ?, '', '[]', 1, '', '')");
    const put = (id: number, vector: Float32Array, visibility: 'private' | 'shared' | 'public') => {
      chunk.run(id, id);
      vectors.put(id, vector, visibility, 0.5);
    };
    addPassage = (index, id, vector, visibility) => {
      chunk.run(id, id);
      index.put(id, vector, visibility, 0.5);
    };
    db.transaction(() => {
      for (let topic = 0; topic < 200; topic++) {
        const centre = unit(Float32Array.from({ length: DIMS }, next));
        centres.push(centre);
        for (let i = 0; i < 25; i++) {
          const id = topic * 25 + i + 1;
          put(id, unit(centre.map((value) => value + next() * 0.15)), id % 10 === 0 ? 'shared' : 'private');
        }
      }
    })();
  });
  after(() => {
    db.close();
    dir.cleanup();
  });

  it("scans exactly until the compact copy has loaded, then finds the exact scan's nearest passages", async () => {
    const query = centres[5]!;
    assert.deepEqual(vectors.nearest(query, 10, all, true), vectors.nearest(query, 10, all), 'exact while it loads');
    await vectors.loadCompact();
    const next = random(13);
    let overlap = 0;
    for (const centre of centres.slice(0, 40)) {
      const query = unit(centre.map((value) => value + next() * 0.1));
      const exact = vectors.nearest(query, 10, all);
      const approximate = vectors.nearest(query, 10, all, true);
      assert.equal(approximate.length, 10);
      assert.ok(approximate.every((hit, i) => i === 0 || hit.distance >= approximate[i - 1]!.distance));
      overlap += exact.filter((hit) => approximate.some((other) => other.chunkId === hit.chunkId)).length;
      // The distances are the same cosine distances sqlite-vec computes.
      const shared = approximate.find((hit) => hit.chunkId === exact[0]!.chunkId);
      if (shared) assert.ok(Math.abs(shared.distance - exact[0]!.distance) < 1e-5);
    }
    assert.ok(overlap / 400 >= 0.95, `recall@10 ${overlap / 400}`);
  });

  it('follows new, deleted and re-shared passages', async () => {
    await vectors.loadCompact();
    const query = centres[0]!;
    const [first] = vectors.nearest(query, 1, all, true);
    vectors.delete(first!.chunkId);
    assert.ok(!vectors.nearest(query, 50, all, true).some((hit) => hit.chunkId === first!.chunkId));
    addPassage(vectors, 90_001, query, 'private');
    assert.equal(vectors.nearest(query, 1, all, true)[0]!.chunkId, 90_001);
    assert.ok(!vectors.nearest(query, 50, ['shared'], true).some((hit) => hit.chunkId === 90_001));
    vectors.setVisibility([90_001], 'shared');
    assert.equal(vectors.nearest(query, 1, ['shared'], true)[0]!.chunkId, 90_001);
  });

  it('never returns a candidate the database no longer holds (a rolled-back write)', async () => {
    await vectors.loadCompact();
    const query = centres[1]!;
    assert.throws(() =>
      db.transaction(() => {
        vectors.put(90_002, query, 'private', 0.5);
        throw new Error('crash mid-write');
      })(),
    );
    assert.ok(!vectors.nearest(query, 10, all, true).some((hit) => hit.chunkId === 90_002));
  });

  it('takes writes made while it loads, and drops a copy whose table an embedder change replaced', async () => {
    const fresh = new VectorIndex(db);
    const loading = fresh.loadCompact();
    // The first slice is read at once; these land while later slices are still to come.
    const early = centres[2]!;
    addPassage(fresh, 90_003, early, 'public');
    fresh.delete(26);
    await loading;
    assert.equal(fresh.nearest(early, 1, all, true)[0]!.chunkId, 90_003);
    assert.ok(!fresh.nearest(centres[1]!, 50, all, true).some((hit) => hit.chunkId === 26));

    const replaced = new VectorIndex(db);
    const interrupted = replaced.loadCompact();
    replaced.prepare('test:another-model', DIMS);
    await interrupted;
    assert.deepEqual(replaced.nearest(early, 5, all, true), [], 'the new table is empty, and so is the answer');
    await replaced.loadCompact();
    assert.deepEqual(replaced.nearest(early, 5, all, true), []);
  });
});
