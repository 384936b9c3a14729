/**
 * Session history in the per-workspace database. Each turn is committed the moment it completes,
 * so a crash loses at most the turn in progress.
 */
import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type {
  EmbeddingUsage,
  SessionHead,
  SessionHit,
  SessionSummary,
  SessionType,
  SpeechUsage,
  StoredTurn,
  Turn,
  TurnMetrics,
  TurnUsage,
  ToolCallRecord,
} from '../../protocol/session';
import type { CellTable } from '../../protocol/cellTable';
import type { CellLanguage, RunOutcome } from '../../protocol/live';
import { SESSION_EXPORT_FORMAT, SESSION_EXPORT_VERSION, type SessionExport } from '../../protocol/sessionExport';
import { commandKey, type AllowList } from '../hands/approval';
import { oneLine } from '../text';
import { loadRecordsCode, type TranscriptTables } from './tables';

interface TurnRow {
  id: number;
  session_id: string;
  role: 'user' | 'assistant';
  text: string;
  interrupted: number;
  source: string | null;
  tool_calls: string;
  metrics: string | null;
  usage: string | null;
  stt: string | null;
  tts: string | null;
  embeddings: string | null;
  created_at: number;
}

/** One REPL cell as the session keeps it. `output`: what it printed, its value and its error with the traceback, in order. */
export interface Execution {
  language: CellLanguage;
  source: 'user' | 'assistant';
  code: string;
  outcome: RunOutcome;
  ms: number;
  output: string;
  /** Figures it drew, PNGs in base64. */
  images: string[];
  /** Its value as tables, when it was one (bounded as the kernel sent them). */
  tables: CellTable[];
  createdAt: number;
}

type ExecutionRow = Omit<Execution, 'images' | 'tables' | 'createdAt'> & { images: string; tables: string; created_at: number };

export interface SessionInfo {
  id: string;
  type: SessionType;
  startedAt: number;
  turns: number;
  /** What the session starts from (a log analysis session's transcript analysis), given to the model each turn. */
  brief?: string;
  /** The time limit it started with, in milliseconds. */
  timeLimitMs?: number;
}

/** A search's words as an FTS5 query that needs all of them, each quoted so no word is read as syntax. */
export function sessionQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.length === 0 ? undefined : words.map((word) => `"${word}"`).join(' ');
}

const TITLE_CHARS = 80;

/** What a panel shows of a session: with `tables`, a Log Analysis session's transcript table too. */
export function sessionHead(store: SessionStore, sessionId: string, tables?: TranscriptTables): SessionHead | undefined {
  const info = store.info(sessionId);
  const records = tables?.of(sessionId);
  return (
    info && { id: info.id, type: info.type, startedAt: info.startedAt, ...(records ? { records: { file: records, code: loadRecordsCode(records) } } : {}) }
  );
}

type InfoRow = Omit<SessionInfo, 'brief' | 'timeLimitMs'> & { brief: string | null; timeLimitMs: number | null };

function infoFromRow({ brief, timeLimitMs, ...row }: InfoRow): SessionInfo {
  return { ...row, ...(brief === null ? {} : { brief }), ...(timeLimitMs === null ? {} : { timeLimitMs }) };
}

function fromRow(row: TurnRow): StoredTurn {
  return {
    id: row.id,
    sessionId: row.session_id,
    role: row.role,
    text: row.text,
    interrupted: row.interrupted === 1,
    ...(row.source ? { source: row.source as Turn['source'] } : {}),
    toolCalls: JSON.parse(row.tool_calls) as ToolCallRecord[],
    ...(row.metrics ? { metrics: JSON.parse(row.metrics) as TurnMetrics } : {}),
    ...(row.usage ? { usage: JSON.parse(row.usage) as TurnUsage } : {}),
    ...(row.stt ? { stt: JSON.parse(row.stt) as SpeechUsage } : {}),
    ...(row.tts ? { tts: JSON.parse(row.tts) as SpeechUsage } : {}),
    ...(row.embeddings ? { embeddings: JSON.parse(row.embeddings) as EmbeddingUsage } : {}),
    createdAt: row.created_at,
  };
}

export class SessionStore implements AllowList {
  constructor(private readonly db: Database) {}

  start(now = Date.now(), type: SessionType = 'coding', brief?: string, timeLimitMs?: number): string {
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO sessions (id, started_at, type, brief, time_limit_ms) VALUES (?, ?, ?, ?, ?)')
      .run(id, now, type, brief ?? null, timeLimitMs ? Math.round(timeLimitMs) : null);
    return id;
  }

  /** The most recent session, so a reopened panel continues the conversation. */
  latest(): SessionInfo | undefined {
    const row = this.db
      .prepare(
        'SELECT s.id, s.type, s.brief, s.time_limit_ms AS timeLimitMs, s.started_at AS startedAt, count(t.id) AS turns FROM sessions s LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.id ORDER BY s.started_at DESC, s.rowid DESC LIMIT 1',
      )
      .get() as InfoRow | undefined;
    return row && infoFromRow(row);
  }

  info(sessionId: string): SessionInfo | undefined {
    const row = this.db
      .prepare(
        'SELECT s.id, s.type, s.brief, s.time_limit_ms AS timeLimitMs, s.started_at AS startedAt, count(t.id) AS turns FROM sessions s LEFT JOIN turns t ON t.session_id = s.id WHERE s.id = ? GROUP BY s.id',
      )
      .get(sessionId) as InfoRow | undefined;
    return row && infoFromRow(row);
  }

  /** A session goes on as another type: the next turn gets that type's instructions and context. */
  setType(sessionId: string, type: SessionType): boolean {
    return this.db.prepare('UPDATE sessions SET type = ? WHERE id = ?').run(type, sessionId).changes > 0;
  }

  append(sessionId: string, turn: Turn): StoredTurn {
    const result = this.db
      .prepare(
        'INSERT INTO turns (session_id, role, text, interrupted, source, tool_calls, metrics, usage, stt, tts, embeddings, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        sessionId,
        turn.role,
        turn.text,
        turn.interrupted ? 1 : 0,
        turn.source ?? null,
        JSON.stringify(turn.toolCalls),
        turn.metrics ? JSON.stringify(turn.metrics) : null,
        turn.usage ? JSON.stringify(turn.usage) : null,
        turn.stt ? JSON.stringify(turn.stt) : null,
        turn.tts ? JSON.stringify(turn.tts) : null,
        turn.embeddings ? JSON.stringify(turn.embeddings) : null,
        turn.createdAt,
      );
    return { ...turn, id: Number(result.lastInsertRowid), sessionId };
  }

  turns(sessionId: string): StoredTurn[] {
    return (this.db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY id').all(sessionId) as TurnRow[]).map(fromRow);
  }

  /** Keeps a REPL execution with its session, the moment it ends. */
  addExecution(sessionId: string, execution: Execution): void {
    const { language, source, code, outcome, ms, output, images, tables, createdAt } = execution;
    this.db
      .prepare(
        'INSERT INTO executions (session_id, language, source, code, outcome, ms, output, images, tables, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(sessionId, language, source, code, outcome, Math.round(ms), output, JSON.stringify(images), JSON.stringify(tables), createdAt);
  }

  executions(sessionId: string): Execution[] {
    const rows = this.db.prepare('SELECT * FROM executions WHERE session_id = ? ORDER BY id').all(sessionId) as ExecutionRow[];
    return rows.map(({ images, tables, created_at, ...row }) => ({
      ...row,
      images: JSON.parse(images) as string[],
      tables: JSON.parse(tables) as CellTable[],
      createdAt: created_at,
    }));
  }

  /** Every session, newest first, with its title, span and counts. */
  list(): SessionSummary[] {
    return this.summaries('');
  }

  /** One session as the list shows it. */
  summary(sessionId: string): SessionSummary | undefined {
    return this.summaries('WHERE s.id = ?', sessionId)[0];
  }

  private summaries(where: string, ...params: string[]): SessionSummary[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.type, s.started_at AS startedAt,
           (SELECT count(*) FROM turns t WHERE t.session_id = s.id) AS turns,
           (SELECT count(*) FROM executions e WHERE e.session_id = s.id) AS executions,
           coalesce((SELECT max(created_at) FROM turns t WHERE t.session_id = s.id), s.started_at) AS endedAt,
           (SELECT text FROM turns t WHERE t.session_id = s.id AND t.role = 'user' ORDER BY id LIMIT 1) AS title,
           (SELECT sum(cost) FROM (
              SELECT json_extract(t.usage, '$.costUsd') AS cost FROM turns t WHERE t.session_id = s.id
              UNION ALL SELECT json_extract(t.stt, '$.costUsd') FROM turns t WHERE t.session_id = s.id
              UNION ALL SELECT json_extract(t.tts, '$.costUsd') FROM turns t WHERE t.session_id = s.id
              UNION ALL SELECT json_extract(t.embeddings, '$.costUsd') FROM turns t WHERE t.session_id = s.id)) AS costUsd
         FROM sessions s ${where} ORDER BY s.started_at DESC, s.rowid DESC`,
      )
      .all(...params) as (Omit<SessionSummary, 'title' | 'costUsd'> & { title: string | null; costUsd: number | null })[];
    return rows.map(({ title, costUsd, ...row }) => ({
      ...row,
      ...(title ? { title: oneLine(title, TITLE_CHARS) } : {}),
      ...(costUsd === null ? {} : { costUsd }),
    }));
  }

  /** A session in the export's shape, or undefined when there is no such session. */
  exportSession(sessionId: string): SessionExport | undefined {
    const info = this.info(sessionId);
    if (!info) return undefined;
    const turns = this.turns(sessionId).map(({ id: _id, sessionId: _session, ...turn }) => turn);
    return {
      format: SESSION_EXPORT_FORMAT,
      version: SESSION_EXPORT_VERSION,
      session: { id: info.id, type: info.type, startedAt: info.startedAt, ...(info.brief === undefined ? {} : { brief: info.brief }) },
      turns,
      executions: this.executions(sessionId),
    };
  }

  /** Stores an exported session under its own id, all of it or nothing; refuses an id already here. */
  importSession(exported: SessionExport): void {
    const { id, startedAt, type, brief } = exported.session;
    this.db.transaction(() => {
      if (this.info(id)) throw new Error(`Session ${id} is already here; delete it first to import it again.`);
      this.db.prepare('INSERT INTO sessions (id, started_at, type, brief) VALUES (?, ?, ?, ?)').run(id, startedAt, type, brief ?? null);
      for (const turn of exported.turns) this.append(id, turn);
      for (const execution of exported.executions) this.addExecution(id, execution);
    })();
  }

  /** Deletes a session with its turns and REPL executions; false when there is no such session. */
  delete(sessionId: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId).changes > 0;
  }

  /**
   * Turns (with their tool calls) and REPL executions of all sessions that hold every word of
   * `text`, best first. Ranked first and given snippets after: a snippet for every match of a
   * common word cost most of the search.
   */
  search(text: string, limit = 20): SessionHit[] {
    const query = sessionQuery(text);
    if (!query) return [];
    const ranked = this.db
      .prepare(
        `SELECT kind, id FROM (
           SELECT 'turn' AS kind, rowid AS id, bm25(turns_fts) AS score FROM turns_fts WHERE turns_fts MATCH @query
           UNION ALL
           SELECT 'execution', rowid, bm25(executions_fts) FROM executions_fts WHERE executions_fts MATCH @query
         ) ORDER BY score LIMIT @limit`,
      )
      .all({ query, limit }) as { kind: SessionHit['kind']; id: number }[];
    return ranked.map(({ kind, id }) => this.hit(kind, id, query));
  }

  private hit(kind: SessionHit['kind'], id: number, query: string): SessionHit {
    const [table, rows] = kind === 'turn' ? ['turns_fts', 'turns'] : ['executions_fts', 'executions'];
    const row = this.db
      .prepare(
        `SELECT r.session_id AS sessionId, ${kind === 'turn' ? 'r.role' : 'NULL'} AS role, r.created_at AS createdAt,
           snippet(${table}, -1, '«', '»', '…', 16) AS snippet
         FROM ${table} JOIN ${rows} r ON r.id = ${table}.rowid WHERE ${table} MATCH ? AND ${table}.rowid = ?`,
      )
      .get(query, id) as { sessionId: string; role: SessionHit['role'] | null; createdAt: number; snippet: string };
    const { role, ...rest } = row;
    return { ...rest, kind, id, ...(role ? { role } : {}) };
  }

  /** The workspace's always-allowed commands, oldest first. */
  allowedCommands(): string[][] {
    return (this.db.prepare('SELECT argv FROM allowed_commands ORDER BY added_at, rowid').all() as { argv: string }[]).map(
      (row) => JSON.parse(row.argv) as string[],
    );
  }

  /** Whether exactly this command, every word of it, is always allowed. */
  isAllowed(argv: readonly string[]): boolean {
    return this.db.prepare('SELECT 1 FROM allowed_commands WHERE argv = ?').get(commandKey(argv)) !== undefined;
  }

  allowCommand(argv: readonly string[], now = Date.now()): void {
    this.db.prepare('INSERT OR IGNORE INTO allowed_commands (argv, added_at) VALUES (?, ?)').run(commandKey(argv), now);
  }

  disallowCommand(argv: readonly string[]): void {
    this.db.prepare('DELETE FROM allowed_commands WHERE argv = ?').run(commandKey(argv));
  }
}
