/**
 * Versioned schema migrations, one list per database. The applied version is SQLite's
 * `user_version`; each migration runs in its own transaction, so a crash leaves the database at
 * the last complete version and the next start continues from there.
 */
import type { Database } from 'better-sqlite3';
import { indexWholeNote, qualityScore } from '../knowledge/store';

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

/**
 * Notes and their passages. The vector table is not here: its width depends on the embedder,
 * so the knowledge store creates it (and re-creates it when the embedder changes).
 * Votes and corrections are keyed by the passage's text hash, so they survive re-indexing,
 * renames and moves of an unchanged passage.
 */
const knowledgeDocuments: Migration = {
  version: 2,
  description: 'knowledge sources, documents, chunks, full-text index and feedback',
  up(db) {
    db.exec(`
      CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('folder', 'file', 'note')),
        path TEXT NOT NULL UNIQUE,
        added_at INTEGER NOT NULL,
        synced_at INTEGER
      ) STRICT;
      CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        rel_path TEXT NOT NULL,
        title TEXT NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'shared', 'public')),
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        indexed_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX documents_by_source ON documents (source_id);
      CREATE TABLE chunks (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        heading TEXT NOT NULL,
        heading_path TEXT NOT NULL,
        line INTEGER NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        passage TEXT NOT NULL,
        embedded_with TEXT
      ) STRICT;
      CREATE INDEX chunks_by_document ON chunks (document_id, ord);
      CREATE INDEX chunks_by_passage ON chunks (passage);
      CREATE INDEX chunks_to_embed ON chunks (embedded_with);
      CREATE VIRTUAL TABLE chunks_fts USING fts5 (
        title, heading, text, tags, correction,
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TABLE votes (
        id INTEGER PRIMARY KEY,
        passage TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX votes_by_passage ON votes (passage);
      CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        passage TEXT NOT NULL,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        original TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (passage, version)
      ) STRICT;
      CREATE TABLE document_tags (
        path TEXT NOT NULL,
        tag TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (path, tag)
      ) STRICT;
    `);
  },
};

/**
 * Votes and corrections belong to the note they were given on (server/knowledge/feedback.ts
 * says why): keyed by the text alone, a correction on a private note showed with a shared copy
 * of the paragraph. Each existing row goes to the notes that hold its passage now, but only to
 * the most private of them: to all when they have one visibility, otherwise only to the private
 * ones (or the shared ones, when the rest are public), so feedback given in private never lands
 * on a twin that more people can see. A row whose passage no note holds keeps no note (path
 * NULL) and stays in My Contributions. The full-text correction column and the vectors' quality
 * are derived from these rows, and are recomputed for every passage that had feedback.
 */
const feedbackPerNote: Migration = {
  version: 3,
  description: 'votes and corrections belong to a passage of one note',
  up(db) {
    db.exec(`
      CREATE TEMP TABLE feedback_owners AS
        WITH holders AS (
          SELECT DISTINCT c.passage, d.path, CASE d.visibility WHEN 'private' THEN 0 WHEN 'shared' THEN 1 ELSE 2 END AS openness
          FROM chunks c JOIN documents d ON d.id = c.document_id
          WHERE c.passage IN (SELECT passage FROM votes UNION SELECT passage FROM corrections)
        )
        SELECT passage, path FROM holders h WHERE openness = (SELECT min(openness) FROM holders o WHERE o.passage = h.passage);
      CREATE TABLE votes_per_note (
        id INTEGER PRIMARY KEY,
        path TEXT,
        passage TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO votes_per_note (path, passage, vote, created_at)
        SELECT o.path, v.passage, v.vote, v.created_at FROM votes v LEFT JOIN feedback_owners o ON o.passage = v.passage ORDER BY v.id, o.path;
      DROP TABLE votes;
      ALTER TABLE votes_per_note RENAME TO votes;
      CREATE INDEX votes_by_note ON votes (path, passage);
      CREATE TABLE corrections_per_note (
        id INTEGER PRIMARY KEY,
        path TEXT,
        passage TEXT NOT NULL,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        original TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (path, passage, version)
      ) STRICT;
      INSERT INTO corrections_per_note (path, passage, version, text, original, created_at)
        SELECT o.path, x.passage, x.version, x.text, x.original, x.created_at FROM corrections x LEFT JOIN feedback_owners o ON o.passage = x.passage ORDER BY x.id, o.path;
      DROP TABLE corrections;
      ALTER TABLE corrections_per_note RENAME TO corrections;
      DROP TABLE temp.feedback_owners;
    `);
    reindexCorrections(db);
    requalifyVectors(db);
  },
};

/** Every passage that had a correction gets its own note's newest one in the full-text index, or none. */
function reindexCorrections(db: Database): void {
  db.exec(`
    UPDATE chunks_fts SET correction = coalesce((
      SELECT x.text FROM chunks c JOIN documents d ON d.id = c.document_id JOIN corrections x ON x.path = d.path AND x.passage = c.passage
      WHERE c.id = chunks_fts.rowid ORDER BY x.version DESC LIMIT 1), '')
    WHERE rowid IN (SELECT id FROM chunks WHERE passage IN (SELECT passage FROM corrections))
  `);
}

/** Every passage that had votes gets the quality of its own note's votes in the vector index, if there is one. */
function requalifyVectors(db: Database): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunks_vec'").get()) return;
  const sql = `SELECT c.id, coalesce(sum(v.vote = 1), 0) AS up, coalesce(sum(v.vote = -1), 0) AS down
               FROM chunks c JOIN documents d ON d.id = c.document_id LEFT JOIN votes v ON v.path = d.path AND v.passage = c.passage
               WHERE c.passage IN (SELECT passage FROM votes) GROUP BY c.id`;
  const update = db.prepare('UPDATE chunks_vec SET quality = ? WHERE chunk_id = ?');
  for (const row of db.prepare(sql).all() as { id: number; up: number; down: number }[]) update.run(qualityScore(row.up, row.down), BigInt(row.id));
}

/**
 * A full-text index of whole notes beside the passages' (server/knowledge/search.ts fuses the two).
 * It is contentless: the text is already in the passages, and the index only has to rank notes.
 */
const wholeNotes: Migration = {
  version: 4,
  description: 'full-text index of whole notes',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE documents_fts USING fts5 (
        title, headings, text,
        content = '', contentless_delete = 1,
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
    `);
    for (const id of db.prepare('SELECT id FROM documents').pluck().all() as number[]) indexWholeNote(db, id);
  },
};

/**
 * What of the user's shared notes is on a team hub (server/knowledge/teamHub.ts): no foreign key,
 * since a note deleted here must still be found to be removed from the hub.
 */
const hubUploads: Migration = {
  version: 5,
  description: 'shared notes uploaded to a team hub',
  up(db) {
    db.exec(`
      CREATE TABLE hub_uploads (
        document_id INTEGER NOT NULL,
        hub_url TEXT NOT NULL,
        hub_document_id INTEGER NOT NULL,
        hub_path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        uploaded_at INTEGER NOT NULL,
        PRIMARY KEY (document_id, hub_url)
      ) STRICT;
    `);
  },
};

export const KNOWLEDGE_MIGRATIONS: readonly Migration[] = [withPurpose('knowledge'), knowledgeDocuments, feedbackPerNote, wholeNotes, hubUploads];
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

/** The workspace's always-allowed commands, each the JSON array of its parsed words: matched whole, never by a prefix. */
const allowedCommands: Migration = {
  version: 3,
  description: 'commands always allowed in the workspace',
  up(db) {
    db.exec('CREATE TABLE allowed_commands (argv TEXT PRIMARY KEY, added_at INTEGER NOT NULL) STRICT;');
  },
};

/** REPL executions of a session: the code, who ran it, what came out (figures as base64 PNGs), how long and how it ended. */
const replExecutions: Migration = {
  version: 4,
  description: 'REPL executions',
  up(db) {
    db.exec(`
      CREATE TABLE executions (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        language TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('user', 'assistant')),
        code TEXT NOT NULL,
        outcome TEXT NOT NULL,
        ms INTEGER NOT NULL,
        output TEXT NOT NULL,
        images TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX executions_by_session ON executions (session_id, id);
    `);
  },
};

/** The tables a cell's value was, kept beside its figures (JSON, as protocol/cellTable.ts declares them). */
const executionTables: Migration = {
  version: 5,
  description: 'tables of REPL executions',
  up(db) {
    db.exec("ALTER TABLE executions ADD COLUMN tables TEXT NOT NULL DEFAULT '[]';");
  },
};

/**
 * Full-text search over past sessions: each turn's words with its tool calls, each REPL cell's
 * code with its output, kept in step by triggers (a session's deletion cascades to both). The
 * FTS rowid is the row's own id, so a deletion is a lookup rather than a scan.
 */
const sessionSearch: Migration = {
  version: 6,
  description: 'full-text search over turns and REPL executions',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE turns_fts USING fts5(text, tools, tokenize = 'porter unicode61');
      CREATE VIRTUAL TABLE executions_fts USING fts5(code, output, tokenize = 'porter unicode61');
      INSERT INTO turns_fts (rowid, text, tools) SELECT id, text, tool_calls FROM turns;
      INSERT INTO executions_fts (rowid, code, output) SELECT id, code, output FROM executions;
      CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
        INSERT INTO turns_fts (rowid, text, tools) VALUES (new.id, new.text, new.tool_calls);
      END;
      CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
        DELETE FROM turns_fts WHERE rowid = old.id;
      END;
      CREATE TRIGGER executions_fts_insert AFTER INSERT ON executions BEGIN
        INSERT INTO executions_fts (rowid, code, output) VALUES (new.id, new.code, new.output);
      END;
      CREATE TRIGGER executions_fts_delete AFTER DELETE ON executions BEGIN
        DELETE FROM executions_fts WHERE rowid = old.id;
      END;
    `);
  },
};

/**
 * What each session is for (protocol/session.ts SESSION_TYPES; sessions from before are
 * collaborative coding) and its brief: what the session starts from, such as the analysis of a
 * Claude Code transcript, given to the model on every turn.
 */
const sessionTypes: Migration = {
  version: 7,
  description: 'session types and briefs',
  up(db) {
    db.exec(`
      ALTER TABLE sessions ADD COLUMN type TEXT NOT NULL DEFAULT 'coding' CHECK (type IN ('debugging', 'repo-review', 'coding', 'log-analysis'));
      ALTER TABLE sessions ADD COLUMN brief TEXT;
    `);
  },
};

/** What each answer's model calls used and cost (protocol/session.ts TurnUsage, as JSON). */
const turnUsage: Migration = {
  version: 8,
  description: 'token usage and cost of answers',
  up(db) {
    db.exec('ALTER TABLE turns ADD COLUMN usage TEXT;');
  },
};

/** The time limit a session started with, in milliseconds (NULL: none): a change of the setting leaves running sessions as they were. */
const sessionTimeLimits: Migration = {
  version: 9,
  description: 'session time limits',
  up(db) {
    db.exec('ALTER TABLE sessions ADD COLUMN time_limit_ms INTEGER;');
  },
};

/** What a spoken turn's recognizer and voice, and an answer's knowledge-base searches, used and cost (protocol/session.ts SpeechUsage and EmbeddingUsage, as JSON). */
const turnSpeechUsage: Migration = {
  version: 10,
  description: 'speech and embedding usage and cost of turns',
  up(db) {
    db.exec(`
      ALTER TABLE turns ADD COLUMN stt TEXT;
      ALTER TABLE turns ADD COLUMN tts TEXT;
      ALTER TABLE turns ADD COLUMN embeddings TEXT;
    `);
  },
};

export const SESSIONS_MIGRATIONS: readonly Migration[] = [
  withPurpose('sessions'),
  sessionTurns,
  allowedCommands,
  replExecutions,
  executionTables,
  sessionSearch,
  sessionTypes,
  turnUsage,
  sessionTimeLimits,
  turnSpeechUsage,
];
