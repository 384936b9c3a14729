import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../server/storage/database';
import { migrate, schemaVersion, type Migration } from '../../server/storage/migrations';
import { stderrLogger } from '../../server/log';
import { tempDir } from '../support/paths';

const log = stderrLogger('error');

function open(file: string, migrations: Migration[]) {
  return openDatabase({ file, migrations, nativeDir: '/nonexistent', log, label: 'test' }).db;
}

const createNotes: Migration = { version: 1, description: 'notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)') };
const addTitle: Migration = { version: 2, description: 'title', up: (db) => db.exec('ALTER TABLE notes ADD COLUMN title TEXT') };

describe('migrations', () => {
  it('applies pending migrations in order and records the version on disk', () => {
    const dir = tempDir('migrate');
    try {
      const file = join(dir.path, 'x.db');
      const first = open(file, [createNotes]);
      first.prepare('INSERT INTO notes (body) VALUES (?)').run('kept');
      first.close();
      const second = open(file, [addTitle, createNotes]);
      assert.equal(schemaVersion(second), 2);
      assert.deepEqual(second.prepare('SELECT body, title FROM notes').all(), [{ body: 'kept', title: null }]);
      second.close();
    } finally {
      dir.cleanup();
    }
  });

  it('rolls back a failing migration and leaves the last complete version', () => {
    const dir = tempDir('migrate-fail');
    try {
      const file = join(dir.path, 'x.db');
      const broken: Migration = { version: 2, description: 'broken', up: (db) => db.exec('CREATE TABLE half (a); SELECT no_such_function()') };
      assert.throws(() => open(file, [createNotes, broken]), /no_such_function|no such function/);
      const db = open(file, [createNotes]);
      assert.equal(schemaVersion(db), 1);
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get(), { n: 0 });
      db.close();
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a database from a newer Parley', () => {
    const dir = tempDir('migrate-newer');
    try {
      const file = join(dir.path, 'x.db');
      open(file, [createNotes, addTitle]).close();
      assert.throws(() => open(file, [createNotes]), /newer than this Parley/);
    } finally {
      dir.cleanup();
    }
  });

  it('loads sqlite-vec into every connection', () => {
    const dir = tempDir('vec');
    try {
      const db = open(join(dir.path, 'v.db'), []);
      assert.equal(migrate(db, []).length, 0);
      db.exec('CREATE VIRTUAL TABLE v USING vec0(embedding float[3] distance_metric=cosine)');
      db.prepare('INSERT INTO v (rowid, embedding) VALUES (1, ?), (2, ?)').run(JSON.stringify([1, 0, 0]), JSON.stringify([0, 1, 0]));
      const nearest = db.prepare('SELECT rowid FROM v WHERE embedding MATCH ? AND k = 1').get(JSON.stringify([0.9, 0.1, 0])) as { rowid: number };
      assert.equal(nearest.rowid, 1);
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});
