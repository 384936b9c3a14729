/**
 * Opening a Parley database: better-sqlite3 with sqlite-vec loaded, WAL, migrations applied.
 * A file that SQLite cannot read is moved aside (with its -wal and -shm) and a fresh database is
 * created, so one corrupt file costs only itself and the user is told where the old one went.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage, type Logger } from '../log';
import { migrate, type Migration } from './migrations';
import { sqliteAddonPath, sqliteVecPath } from './native';

export interface OpenedDatabase {
  db: Database;
  /** Where an unreadable file was moved, if one was. */
  movedAsideTo?: string;
}

export interface OpenOptions {
  file: string;
  migrations: readonly Migration[];
  nativeDir: string;
  log: Logger;
  /** Names the database in messages, e.g. "knowledge base". */
  label: string;
}

// SQLite's result codes for a file that is not a database or is damaged beyond use.
const UNREADABLE_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

function isUnreadable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return UNREADABLE_CODES.has(code) || code.startsWith('SQLITE_CORRUPT');
}

function openRaw(options: OpenOptions): Database {
  const db = new BetterSqlite3(options.file, { nativeBinding: sqliteAddonPath(options.nativeDir) });
  try {
    db.loadExtension(sqliteVecPath(options.nativeDir));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Reads through the OS page cache instead of SQLite's own: a brute-force vector scan over
    // 100k passages takes about half the time (measured in the knowledge-base benchmark notes).
    db.pragma(`mmap_size = ${1024 * 1024 * 1024}`);
    const applied = migrate(db, options.migrations);
    if (applied.length > 0) options.log.info(`Migrated the ${options.label} database`, { file: options.file, versions: applied });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function moveAside(file: string): string {
  const target = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

export function openDatabase(options: OpenOptions): OpenedDatabase {
  mkdirSync(dirname(options.file), { recursive: true });
  try {
    return { db: openRaw(options) };
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    const movedAsideTo = moveAside(options.file);
    options.log.error(`The ${options.label} database could not be read (${errorMessage(error)}); it was moved to ${movedAsideTo} and a new one was created.`);
    return { db: openRaw(options), movedAsideTo };
  }
}

/** Versions and capabilities of the SQLite build, for the status report. */
export function sqliteCapabilities(db: Database): { sqlite: string; sqliteVec: string; fts5: boolean } {
  const row = db.prepare("SELECT sqlite_version() AS sqlite, vec_version() AS vec, sqlite_compileoption_used('ENABLE_FTS5') AS fts5").get() as {
    sqlite: string;
    vec: string;
    fts5: number;
  };
  return { sqlite: row.sqlite, sqliteVec: row.vec, fts5: row.fts5 === 1 };
}
