/** Parley's databases, one per purpose, in the storage folders the client passes. */
import type { Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageStatus } from '../../protocol/status';
import type { Logger } from '../log';
import { openDatabase, sqliteCapabilities } from './database';
import { KNOWLEDGE_MIGRATIONS, SESSIONS_MIGRATIONS } from './migrations';

export interface StoragePaths {
  globalDir: string;
  workspaceDir: string;
}

export class Storage {
  private constructor(
    readonly knowledge: Database,
    readonly sessions: Database,
    readonly status: StorageStatus,
  ) {}

  /** Creates missing folders, opens both databases and recovers from unreadable files. */
  static open(paths: StoragePaths, nativeDir: string, log: Logger): Storage {
    mkdirSync(paths.globalDir, { recursive: true });
    mkdirSync(paths.workspaceDir, { recursive: true });
    const knowledgeDb = join(paths.globalDir, 'knowledge.db');
    const sessionsDb = join(paths.workspaceDir, 'sessions.db');
    const knowledge = openDatabase({ file: knowledgeDb, migrations: KNOWLEDGE_MIGRATIONS, nativeDir, log, label: 'knowledge base' });
    const sessions = openDatabase({ file: sessionsDb, migrations: SESSIONS_MIGRATIONS, nativeDir, log, label: 'session history' });
    const recovered = [knowledge, sessions].flatMap((opened) => (opened.movedAsideTo ? [opened.movedAsideTo] : []));
    return new Storage(knowledge.db, sessions.db, { ...paths, knowledgeDb, sessionsDb, recovered });
  }

  capabilities(): ReturnType<typeof sqliteCapabilities> {
    return sqliteCapabilities(this.knowledge);
  }

  close(): void {
    this.knowledge.close();
    this.sessions.close();
  }
}
