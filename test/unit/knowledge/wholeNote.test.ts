/**
 * Note-level evidence: the whole-note full-text index kept in step with the notes, built for the
 * notes of an older database, and fused into hybrid search.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from 'better-sqlite3';
import { BuiltinEmbedder } from '../../../server/knowledge/embed/builtin';
import { KnowledgeBase } from '../../../server/knowledge/knowledgeBase';
import { DEFAULT_WEIGHTS } from '../../../server/knowledge/search';
import { stderrLogger } from '../../../server/log';
import { openDatabase } from '../../../server/storage/database';
import { KNOWLEDGE_MIGRATIONS, schemaVersion } from '../../../server/storage/migrations';
import { tempDir } from '../../support/paths';

const log = stderrLogger('error');

/**
 * "Performance" holds the question's three words in three sections, no passage more than one;
 * "Laptops" holds two of them in one passage, and goes on about other things. Passage BM25
 * prefers Laptops; the whole notes say Performance answers the question.
 */
const NOTES: Record<string, string> = {
  'Performance.md':
    '# Performance\n\n## Startup\n\nThe app feels sluggish after an update.\n\n## Extensions\n\nTurn each plugin off in turn to find the culprit.\n\n## Measuring\n\nRecord a profile with the developer tools.\n',
  'Laptops.md':
    '# Laptops\n\nOld laptops feel sluggish; a plugin heavy setup makes it worse.\n\n## Buying\n\nCompare battery life, screen brightness, keyboard travel, weight, ports, warranty terms and repairability before choosing a model, and read reviews from owners who have used one for a year.\n',
  'Garden.md': '# Garden\n\nWater the tomatoes in the evening.\n',
};
/** Other notes, so that the question's words are rare, as in a real vault. */
const FILLER = ['tomatoes', 'invoices', 'bicycles', 'violins', 'glaciers', 'recipes', 'lanterns', 'harbours', 'meadows', 'pottery', 'chess', 'telescopes'];
FILLER.forEach((word, i) => (NOTES[`Other ${i}.md`] = `# Other ${i}\n\nA short note about ${word} and ${FILLER[(i + 1) % FILLER.length]}.\n`));
const QUESTION = 'sluggish plugin profile';

function writeNotes(root: string, notes: Record<string, string>): void {
  for (const [path, text] of Object.entries(notes)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    const future = new Date(Date.now() + 5_000);
    utimesSync(join(root, path), future, future);
  }
}

function open(file: string, migrations = KNOWLEDGE_MIGRATIONS): { db: Database; kb: KnowledgeBase } {
  const { db } = openDatabase({ file, migrations, nativeDir: '/nonexistent', log, label: 'knowledge base' });
  return { db, kb: new KnowledgeBase({ db, file, embedder: new BuiltinEmbedder(), log }) };
}

/** The notes the whole-note index matches for `word`, by title. */
function notesMatching(db: Database, word: string): string[] {
  const sql = 'SELECT d.title FROM documents_fts f JOIN documents d ON d.id = f.rowid WHERE documents_fts MATCH ? ORDER BY d.title';
  return db.prepare(sql).pluck().all(`"${word}"`) as string[];
}

async function titles(kb: KnowledgeBase, query: string, note: number, mode: 'hybrid' | 'bm25' = 'hybrid'): Promise<string[]> {
  return (await kb.search({ query, k: 5, mode, weights: { ...DEFAULT_WEIGHTS, note } })).map((passage) => passage.title);
}

describe('note-level evidence', () => {
  const dir = tempDir('kb-whole-note');
  const vault = join(dir.path, 'vault');
  let db: Database;
  let kb: KnowledgeBase;

  before(async () => {
    writeNotes(vault, NOTES);
    ({ db, kb } = open(join(dir.path, 'knowledge.db')));
    await kb.add(vault);
  });
  after(() => {
    kb.dispose();
    db.close();
    dir.cleanup();
  });

  it('ranks the note that holds the question across its sections above a passage that holds more of it', async () => {
    assert.equal((await titles(kb, QUESTION, 0))[0], 'Laptops', 'passages alone prefer the one with two of the words');
    assert.equal((await titles(kb, QUESTION, 1))[0], 'Performance');
    assert.equal((await titles(kb, QUESTION, 1, 'bm25'))[0], 'Laptops', 'BM25 mode stays passage BM25');
  });

  it('keeps the whole-note index in step with edits and deletions', async () => {
    assert.deepEqual(notesMatching(db, 'tomatoes'), ['Garden', 'Other 0', 'Other 11']);
    writeNotes(vault, { 'Garden.md': '# Garden\n\nWater the cucumbers in the evening.\n' });
    await kb.add(vault);
    assert.deepEqual(notesMatching(db, 'tomatoes'), ['Other 0', 'Other 11']);
    assert.deepEqual(notesMatching(db, 'cucumbers'), ['Garden']);
    rmSync(join(vault, 'Garden.md'));
    await kb.add(vault);
    assert.deepEqual(notesMatching(db, 'cucumbers'), []);
    assert.equal(db.prepare('SELECT count(*) FROM documents_fts').pluck().get(), db.prepare('SELECT count(*) FROM documents').pluck().get());
  });

  it('searches with a visibility filter through the note leg', async () => {
    const performance = (await kb.search({ query: QUESTION, k: 5 })).find((passage) => passage.title === 'Performance')!;
    kb.setVisibility(performance.documentId, 'shared');
    try {
      const search = (note: number) => kb.search({ query: QUESTION, k: 5, filters: { visibility: ['shared'] }, weights: { ...DEFAULT_WEIGHTS, note } });
      const [withNotes, without] = [await search(1), await search(0)];
      assert.deepEqual([...new Set(withNotes.map((passage) => passage.title))], ['Performance']);
      // The only shared note is the best note, so each of its passages gains the note weight whole.
      assert.equal(withNotes.length, without.length);
      withNotes.forEach((passage, i) => assert.ok(Math.abs(passage.score - without[i]!.score - 1) < 1e-9, `${passage.score} vs ${without[i]!.score}`));
    } finally {
      kb.setVisibility(performance.documentId, 'private');
    }
  });
});

describe('knowledge migration 4: a whole-note index for the notes already there', () => {
  it('indexes every note of a version-3 database by title, aliases, headings and text', async () => {
    const dir = tempDir('kb-migrate-whole-note');
    try {
      const file = join(dir.path, 'knowledge.db');
      const vault = join(dir.path, 'vault');
      writeNotes(vault, { ...NOTES, 'Alias.md': '---\naliases: [Greenhouse]\n---\n# Alias\n\nNothing else.\n' });
      const old = open(
        file,
        KNOWLEDGE_MIGRATIONS.filter((m) => m.version <= 3),
      );
      // Written the way version 3 wrote notes: no whole-note index to keep in step.
      old.db.exec('CREATE VIRTUAL TABLE documents_fts USING fts5 (title, headings, text)');
      await old.kb.add(vault);
      old.db.exec('DROP TABLE documents_fts');
      old.kb.dispose();
      old.db.close();
      const { db, kb } = open(file);
      try {
        assert.equal(schemaVersion(db), KNOWLEDGE_MIGRATIONS.at(-1)!.version, 'migrated to the latest version');
        assert.deepEqual(notesMatching(db, 'greenhouse'), ['Alias']);
        assert.deepEqual(notesMatching(db, 'measuring'), ['Performance'], 'headings');
        assert.deepEqual(notesMatching(db, 'culprit'), ['Performance'], 'text');
        assert.equal((await titles(kb, QUESTION, 1))[0], 'Performance');
      } finally {
        kb.dispose();
        db.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
