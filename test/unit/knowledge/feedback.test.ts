/**
 * Votes and corrections belong to the note they were given on: a private note and a shared note
 * that hold the same paragraph, on a real SQLite file, where feedback on the private copy must
 * not reach the shared one in any search leg, and must stay with its own note through re-indexing,
 * a source added again and a rename.
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import type { KbPassage, KbSearchFilters } from '../../../protocol/knowledge';
import { BuiltinEmbedder } from '../../../server/knowledge/embed/builtin';
import { KnowledgeBase } from '../../../server/knowledge/knowledgeBase';
import type { SearchMode } from '../../../server/knowledge/search';
import { stderrLogger } from '../../../server/log';
import { openDatabase } from '../../../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../../../server/storage/migrations';
import { tempDir } from '../../support/paths';

const log = stderrLogger('error');

const TWIN = 'The staging database password rotates every Monday at noon.';
const SECRET = 'The current staging password is hunter2, kept in the ops vault.';
const SHARED_ONLY: KbSearchFilters = { visibility: ['shared', 'public'] };
const MODES: readonly SearchMode[] = ['bm25', 'vector', 'hybrid'];

const NOTES: Record<string, string> = {
  'Private.md': `# Private\n\n${TWIN}\n\n## Garden\n\nWater the tomatoes before the heat.\n`,
  'Shared.md': `# Shared\n\n${TWIN}\n`,
};

/** Moves a file's modification time ahead, so a sync sees the edit even within the same millisecond. */
function later(path: string): void {
  const future = new Date(Date.now() + 5_000);
  utimesSync(path, future, future);
}

function twinIn(passages: KbPassage[], relPath: string): KbPassage {
  const found = passages.find((p) => p.relPath === relPath && p.snippet.includes('rotates every Monday'));
  assert.ok(found, `${relPath}'s copy of the paragraph is found (${passages.map((p) => p.relPath).join(', ')})`);
  return found;
}

describe('feedback belongs to the note it was given on', () => {
  const dir = tempDir('kb-feedback');
  const vault = join(dir.path, 'vault');
  let db: Database;
  let kb: KnowledgeBase;
  const search = (query: string, filters?: KbSearchFilters, mode: SearchMode = 'hybrid') => kb.search({ query, k: 20, mode, ...(filters ? { filters } : {}) });

  before(async () => {
    mkdirSync(vault, { recursive: true });
    for (const [path, text] of Object.entries(NOTES)) writeFileSync(join(vault, path), text);
    const file = join(dir.path, 'knowledge.db');
    ({ db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'knowledge base' }));
    kb = new KnowledgeBase({ db, file, embedder: new BuiltinEmbedder(), log });
    await kb.add(vault);
    const shared = twinIn(await search('staging database password'), 'Shared.md');
    kb.setVisibility(shared.documentId, 'shared');
    const passages = db.prepare("SELECT count(DISTINCT passage) FROM chunks WHERE text LIKE '%rotates every Monday%'").pluck().get();
    assert.equal(passages, 1, 'both notes hold the very same passage');
  });
  after(() => {
    kb.dispose();
    db.close();
    dir.cleanup();
  });

  it('keeps a correction on the private note out of searches of its shared twin', async () => {
    const own = twinIn(await search('staging database password'), 'Private.md');
    kb.correct(own.chunkId, SECRET);
    for (const mode of MODES) {
      const shared = await search('staging database password hunter2', SHARED_ONLY, mode);
      assert.equal(twinIn(shared, 'Shared.md').correction, undefined, `${mode}: the shared twin shows no correction`);
      assert.ok(!JSON.stringify(shared).includes('hunter2'), `${mode}: the private correction appears nowhere in a shared search`);
    }
    assert.deepEqual(await search('hunter2', SHARED_ONLY, 'bm25'), [], 'the correction text does not find the shared twin');
    const everything = await search('staging database password');
    assert.equal(twinIn(everything, 'Shared.md').correction, undefined, 'an unrestricted search shows no correction on the shared twin');
    assert.equal(twinIn(everything, 'Private.md').correction?.text, SECRET);
    assert.deepEqual(
      (await search('hunter2', undefined, 'bm25')).map((p) => p.relPath),
      ['Private.md'],
    );
  });

  it('leaves the quality and score of the shared twin alone when the private note is voted on', async () => {
    const before = twinIn(await search('staging database password', SHARED_ONLY), 'Shared.md');
    const own = twinIn(await search('staging database password'), 'Private.md');
    for (let i = 0; i < 20; i++) kb.vote(own.chunkId, 1);
    for (const mode of MODES) {
      const twin = twinIn(await search('staging database password', SHARED_ONLY, mode), 'Shared.md');
      assert.deepEqual(twin.votes, { up: 0, down: 0 }, `${mode}: the shared twin has no votes`);
      assert.equal(twin.quality, 0.5, `${mode}: the shared twin's quality is neutral`);
    }
    assert.equal(twinIn(await search('staging database password', SHARED_ONLY), 'Shared.md').score, before.score, 'the shared twin ranks as before');
    const stored = db.prepare('SELECT quality FROM chunks_vec WHERE chunk_id = ?').pluck().get(BigInt(before.chunkId)) as number;
    assert.equal(stored, 0.5, "the vector index keeps the twin's neutral quality");
    assert.deepEqual(twinIn(await search('staging database password'), 'Private.md').votes, { up: 20, down: 0 });
  });

  it('keeps the correction and votes of the private note when it is re-indexed or added again', async () => {
    writeFileSync(join(vault, 'Private.md'), `${NOTES['Private.md']}\n## Later\n\nA paragraph added afterwards.\n`);
    writeFileSync(join(vault, 'Shared.md'), `${NOTES['Shared.md']}\nShared with the team.\n`);
    for (const path of ['Private.md', 'Shared.md']) later(join(vault, path));
    assert.equal((await kb.add(vault)).indexed, 2);
    const assertKept = async (when: string) => {
      const everything = await search('staging database password');
      const own = twinIn(everything, 'Private.md');
      assert.equal(own.correction?.text, SECRET, `${when}: the private note keeps its correction`);
      assert.deepEqual(own.votes, { up: 20, down: 0 }, `${when}: the private note keeps its votes`);
      assert.equal(twinIn(everything, 'Shared.md').correction, undefined, `${when}: the twin still has none`);
      assert.deepEqual(
        (await search('hunter2', undefined, 'bm25')).map((p) => p.relPath),
        ['Private.md'],
        `${when}: the correction is searched with its own note only`,
      );
    };
    await assertKept('after an edit');
    const source = kb.store.sources()[0]!;
    kb.removeSource(source.id);
    await kb.add(vault);
    await assertKept('after the folder was removed and added again');
  });

  it('takes the feedback along when the note is renamed', async () => {
    renameSync(join(vault, 'Private.md'), join(vault, 'Secret.md'));
    const result = await kb.add(vault);
    assert.deepEqual([result.removed, result.indexed], [1, 1]);
    const moved = twinIn(await search('staging database password'), 'Secret.md');
    assert.equal(moved.correction?.text, SECRET);
    assert.deepEqual(moved.votes, { up: 20, down: 0 });
    assert.deepEqual(
      (await search('hunter2', undefined, 'bm25')).map((p) => p.relPath),
      ['Secret.md'],
    );
  });
});
