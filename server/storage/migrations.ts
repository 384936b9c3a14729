/**
 * Versioned schema migrations, one list per database. The applied version is SQLite's
 * `user_version`; each migration runs in its own transaction, so a crash leaves the database at
 * the last complete version and the next start continues from there.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Database, migrations: readonly Migration[]): number[] {
  const applied: number[] = [];
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const current = schemaVersion(db);
  const newest = ordered.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new Error(`The database is at schema version ${current}, newer than this Parley (${newest}). Update Parley.`);
  }
  for (const migration of ordered.filter((m) => m.version > current)) {
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}

/** Every database starts with a small table that says what it is and when it was created. */
const metaTable: Migration = {
  version: 1,
  description: 'meta table',
  up(db) {
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('purpose', 'unknown', 'created_at', new Date().toISOString());
  },
};

function withPurpose(purpose: string): Migration {
  return {
    ...metaTable,
    up(db) {
      metaTable.up(db);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'purpose'").run(purpose);
    },
  };
}

export const KNOWLEDGE_MIGRATIONS: readonly Migration[] = [withPurpose('knowledge')];
const sessionTurns: Migration = {
  version: 2,
  description: 'sessions and their turns',
  up(db) {
    db.exec(`
      CREATE TABLE sessions (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL) STRICT;
      CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        text TEXT NOT NULL,
        interrupted INTEGER NOT NULL DEFAULT 0,
        source TEXT,
        tool_calls TEXT NOT NULL DEFAULT '[]',
        metrics TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX turns_by_session ON turns (session_id, id);
    `);
  },
};

export const SESSIONS_MIGRATIONS: readonly Migration[] = [withPurpose('sessions'), sessionTurns];
