/**
 * Session history in the per-workspace database. Each turn is committed the moment it completes,
 * so a crash loses at most the turn in progress.
 */
import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { StoredTurn, Turn, TurnMetrics, ToolCallRecord } from '../../protocol/session';
import type { CellTable } from '../../protocol/cellTable';
import type { CellLanguage, RunOutcome } from '../../protocol/live';
import { commandKey, type AllowList } from '../hands/approval';

interface TurnRow {
  id: number;
  session_id: string;
  role: 'user' | 'assistant';
  text: string;
  interrupted: number;
  source: string | null;
  tool_calls: string;
  metrics: string | null;
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
  startedAt: number;
  turns: number;
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
    createdAt: row.created_at,
  };
}

export class SessionStore implements AllowList {
  constructor(private readonly db: Database) {}

  start(now = Date.now()): string {
    const id = randomUUID();
    this.db.prepare('INSERT INTO sessions (id, started_at) VALUES (?, ?)').run(id, now);
    return id;
  }

  /** The most recent session, so a reopened panel continues the conversation. */
  latest(): SessionInfo | undefined {
    const row = this.db
      .prepare(
        'SELECT s.id, s.started_at AS startedAt, count(t.id) AS turns FROM sessions s LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.id ORDER BY s.started_at DESC, s.rowid DESC LIMIT 1',
      )
      .get() as SessionInfo | undefined;
    return row;
  }

  info(sessionId: string): SessionInfo | undefined {
    return this.db
      .prepare(
        'SELECT s.id, s.started_at AS startedAt, count(t.id) AS turns FROM sessions s LEFT JOIN turns t ON t.session_id = s.id WHERE s.id = ? GROUP BY s.id',
      )
      .get(sessionId) as SessionInfo | undefined;
  }

  append(sessionId: string, turn: Turn): StoredTurn {
    const result = this.db
      .prepare('INSERT INTO turns (session_id, role, text, interrupted, source, tool_calls, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        sessionId,
        turn.role,
        turn.text,
        turn.interrupted ? 1 : 0,
        turn.source ?? null,
        JSON.stringify(turn.toolCalls),
        turn.metrics ? JSON.stringify(turn.metrics) : null,
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
