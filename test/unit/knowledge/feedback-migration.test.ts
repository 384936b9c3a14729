/**
 * The knowledge migration that gives votes and corrections to notes (version 3), on a database
 * written at version 2 the way Parley wrote it then: feedback keyed by passage text, the newest
 * correction copied into every twin's full-text row, and every twin's vector carrying the
 * passage's quality.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import type { KbPassage, KbSearchFilters, Visibility } from '../../../protocol/knowledge';
import { BuiltinEmbedder } from '../../../server/knowledge/embed/builtin';
import { KnowledgeBase } from '../../../server/knowledge/knowledgeBase';
import { embeddingText, passageKey, qualityScore } from '../../../server/knowledge/store';
import { VectorIndex } from '../../../server/knowledge/vectors';
import { stderrLogger } from '../../../server/log';
import { openDatabase } from '../../../server/storage/database';
import { KNOWLEDGE_MIGRATIONS, schemaVersion } from '../../../server/storage/migrations';
import { tempDir } from '../../support/paths';

const log = stderrLogger('error');
const embedder = new BuiltinEmbedder();
const SHARED_ONLY: KbSearchFilters = { visibility: ['shared', 'public'] };

/** Passages and who held them when the database was at version 2. */
const TWIN = 'The staging database password rotates every Monday at noon.';
const BACKUPS = 'Backups run nightly to the cold storage bucket.';
const RELEASES = 'Release notes go out on the first Tuesday of the month.';
const OFFICE = 'The office opens at nine and closes at six.';
const GONE = 'A paragraph that no note holds any more.';

const NOTES: { path: string; visibility: Visibility; passages: string[] }[] = [
  { path: '/vault/A.md', visibility: 'private', passages: [TWIN, BACKUPS] },
  { path: '/vault/B.md', visibility: 'shared', passages: [TWIN] },
  { path: '/vault/C.md', visibility: 'private', passages: [BACKUPS] },
  { path: '/vault/D.md', visibility: 'shared', passages: [RELEASES] },
  { path: '/vault/E.md', visibility: 'public', passages: [RELEASES, OFFICE] },
];

const VOTES: [string, 1 | -1][] = [
  [TWIN, 1],
  [TWIN, 1],
  [TWIN, 1],
  [BACKUPS, -1],
  [RELEASES, 1],
  [OFFICE, 1],
  [GONE, -1],
];

const CORRECTIONS: [string, string][] = [
  [TWIN, 'The staging password is hunter1.'],
  [TWIN, 'The staging password is hunter2, kept in the ops vault.'],
  [RELEASES, 'Release notes are embargoed until the press call.'],
  [GONE, 'A correction of a paragraph since deleted.'],
];

/** Feedback rows as version 2 kept them: by passage only. */
function writeOldFeedback(db: Database): void {
  VOTES.forEach(([text, vote], i) => db.prepare('INSERT INTO votes (passage, vote, created_at) VALUES (?, ?, ?)').run(passageKey(text), vote, 1_000 + i));
  const versions = new Map<string, number>();
  CORRECTIONS.forEach(([text, correction], i) => {
    const version = (versions.get(text) ?? 0) + 1;
    versions.set(text, version);
    db.prepare('INSERT INTO corrections (passage, version, text, original, created_at) VALUES (?, ?, ?, ?, ?)').run(
      passageKey(text),
      version,
      correction,
      text,
      2_000 + i,
    );
  });
}

/** Notes as version 2 indexed them: every copy of a passage with the passage's correction and quality. */
async function writeOldNotes(db: Database): Promise<void> {
  const vectors = new VectorIndex(db);
  vectors.prepare(embedder.id, embedder.dimensions);
  const sourceId = (db.prepare("INSERT INTO sources (kind, path, added_at) VALUES ('folder', '/vault', 1) RETURNING id").get() as { id: number }).id;
  for (const note of NOTES) {
    const title = note.path.slice('/vault/'.length, -'.md'.length);
    const insertDocument = `INSERT INTO documents (source_id, path, rel_path, title, visibility, size, mtime_ms, indexed_at) VALUES (?, ?, ?, ?, ?, 1, 1, 1) RETURNING id`;
    const documentId = (db.prepare(insertDocument).get(sourceId, note.path, `${title}.md`, title, note.visibility) as { id: number }).id;
    for (const [ord, text] of note.passages.entries()) {
      const passage = passageKey(text);
      const insertChunk = `INSERT INTO chunks (document_id, ord, heading, heading_path, line, text, passage, embedded_with) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`;
      const chunkId = (db.prepare(insertChunk).get(documentId, ord, title, JSON.stringify([title]), ord + 3, text, passage, embedder.id) as { id: number }).id;
      const correction =
        (db.prepare('SELECT text FROM corrections WHERE passage = ? ORDER BY version DESC LIMIT 1').pluck().get(passage) as string | undefined) ?? '';
      db.prepare("INSERT INTO chunks_fts (rowid, title, heading, text, tags, correction) VALUES (?, ?, '', ?, '', ?)").run(chunkId, title, text, correction);
      const { up, down } = db
        .prepare('SELECT coalesce(sum(vote = 1), 0) AS up, coalesce(sum(vote = -1), 0) AS down FROM votes WHERE passage = ?')
        .get(passage) as { up: number; down: number };
      const [vector] = await embedder.embed([embeddingText({ headingPath: [title], text })]);
      vectors.put(chunkId, vector!, note.visibility, qualityScore(up, down));
    }
  }
}

function passageIn(passages: KbPassage[], relPath: string): KbPassage {
  const found = passages.find((p) => p.relPath === relPath);
  assert.ok(found, `${relPath} is found (${passages.map((p) => p.relPath).join(', ')})`);
  return found;
}

describe('knowledge migration 3: feedback belongs to notes', () => {
  const dir = tempDir('kb-migrate-feedback');
  const file = join(dir.path, 'knowledge.db');
  let db: Database;
  let kb: KnowledgeBase;

  before(async () => {
    const old = openDatabase({
      file,
      migrations: KNOWLEDGE_MIGRATIONS.filter((m) => m.version <= 2),
      nativeDir: '/nonexistent',
      log,
      label: 'knowledge base',
    }).db;
    assert.equal(schemaVersion(old), 2);
    writeOldFeedback(old);
    await writeOldNotes(old);
    old.close();
    ({ db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'knowledge base' }));
    kb = new KnowledgeBase({ db, file, embedder, log });
  });
  after(() => {
    kb.dispose();
    db.close();
    dir.cleanup();
  });

  it('gives each row to the most private notes that hold its passage, or to no note', () => {
    assert.equal(schemaVersion(db), KNOWLEDGE_MIGRATIONS.at(-1)!.version);
    const owners = (table: string, text: string) =>
      db.prepare(`SELECT DISTINCT path FROM ${table} WHERE passage = ? ORDER BY path`).pluck().all(passageKey(text));
    assert.deepEqual(owners('votes', TWIN), ['/vault/A.md'], 'a private and a shared twin: the private note only');
    assert.deepEqual(owners('corrections', TWIN), ['/vault/A.md']);
    assert.deepEqual(owners('votes', BACKUPS), ['/vault/A.md', '/vault/C.md'], 'two private twins: both');
    assert.deepEqual(owners('votes', RELEASES), ['/vault/D.md'], 'a shared and a public twin: the shared note only');
    assert.deepEqual(owners('corrections', RELEASES), ['/vault/D.md']);
    assert.deepEqual(owners('votes', OFFICE), ['/vault/E.md'], 'a passage in one public note stays with it');
    assert.deepEqual(owners('votes', GONE), [null], 'a passage no note holds keeps its vote, with no note');
    assert.deepEqual(owners('corrections', GONE), [null]);
    const versions = db.prepare("SELECT version, text, created_at AS createdAt FROM corrections WHERE path = '/vault/A.md' ORDER BY version").all();
    assert.deepEqual(versions, [
      { version: 1, text: CORRECTIONS[0]![1], createdAt: 2_000 },
      { version: 2, text: CORRECTIONS[1]![1], createdAt: 2_001 },
    ]);
  });

  it('takes the private correction and votes out of shared searches', async () => {
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
      const shared = await kb.search({ query: 'staging database password hunter2', k: 10, mode, filters: SHARED_ONLY });
      const twin = passageIn(shared, 'B.md');
      assert.equal(twin.correction, undefined, `${mode}: the shared twin has no correction`);
      assert.deepEqual([twin.votes, twin.quality], [{ up: 0, down: 0 }, 0.5], `${mode}: nor votes`);
      assert.ok(!JSON.stringify(shared).includes('hunter'), `${mode}: the private correction appears nowhere`);
    }
    assert.deepEqual(
      await kb.search({ query: 'hunter2', k: 10, mode: 'bm25', filters: SHARED_ONLY }),
      [],
      "the shared twin's full-text row lost the correction",
    );
    assert.deepEqual(
      (await kb.search({ query: 'hunter2', k: 10, mode: 'bm25' })).map((p) => p.relPath),
      ['A.md'],
    );
    const own = passageIn(await kb.search({ query: 'staging database password', k: 10 }), 'A.md');
    assert.deepEqual([own.correction?.version, own.votes], [2, { up: 3, down: 0 }]);
    const quality = (relPath: string) =>
      db
        .prepare(
          'SELECT v.quality FROM chunks_vec v JOIN chunks c ON c.id = v.chunk_id JOIN documents d ON d.id = c.document_id WHERE d.rel_path = ? AND c.passage = ?',
        )
        .pluck()
        .get(relPath, passageKey(TWIN)) as number;
    assert.equal(quality('B.md'), 0.5, "the shared twin's vector is back to a neutral quality");
    assert.ok(Math.abs(quality('A.md') - qualityScore(3, 0)) < 1e-6, 'the private note keeps its quality');
  });

  it('leaves a public twin without the shared note’s correction', async () => {
    assert.deepEqual(
      (await kb.search({ query: 'embargoed', k: 10, mode: 'bm25' })).map((p) => p.relPath),
      ['D.md'],
    );
    const everywhere = await kb.search({ query: 'release notes first tuesday', k: 10, filters: { visibility: ['public'] } });
    assert.equal(passageIn(everywhere, 'E.md').correction, undefined);
  });

  it('still lists every contribution, and new feedback continues the note’s versions', () => {
    const contributions = kb.contributions();
    assert.equal(contributions.filter((c) => c.title === '(a passage no longer in the knowledge base)').length, 2, 'the orphaned vote and correction');
    const stats = kb.stats();
    assert.deepEqual([stats.votes, stats.corrections], [VOTES.length + 1, CORRECTIONS.length], 'one more vote: the backups vote went to two private notes');
    const chunkId = db
      .prepare("SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = '/vault/A.md' AND c.passage = ?")
      .pluck()
      .get(passageKey(TWIN)) as number;
    assert.equal(kb.correct(chunkId, 'The staging password moved to the secrets manager.').version, 3);
  });
});

describe('knowledge migration 3 on a database without feedback or vectors', () => {
  it('migrates and leaves the new tables empty', () => {
    const dir = tempDir('kb-migrate-empty');
    try {
      const file = join(dir.path, 'knowledge.db');
      openDatabase({
        file,
        migrations: KNOWLEDGE_MIGRATIONS.filter((m) => m.version <= 2),
        nativeDir: '/nonexistent',
        log,
        label: 'knowledge base',
      }).db.close();
      const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: '/nonexistent', log, label: 'knowledge base' });
      assert.equal(schemaVersion(db), KNOWLEDGE_MIGRATIONS.at(-1)!.version);
      assert.deepEqual(db.prepare('SELECT (SELECT count(*) FROM votes) AS votes, (SELECT count(*) FROM corrections) AS corrections').get(), {
        votes: 0,
        corrections: 0,
      });
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});
