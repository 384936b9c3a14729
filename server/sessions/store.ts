/**
 * Session history in the per-workspace database. Each turn is committed the moment it completes,
 * so a crash loses at most the turn in progress.
 */
import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { StoredTurn, Turn, TurnMetrics, ToolCallRecord } from '../../protocol/session';

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

export class SessionStore {
  constructor(private readonly db: Database) {}

  start(now = Date.now()): string {
    const id = randomUUID();
    this.db.prepare('INSERT INTO sessions (id, started_at) VALUES (?, ?)').run(id, now);
    return id;
  }

  /** The most recent session, so a reopened panel continues the conversation. */
  latest(): SessionInfo | undefined {
    const row = this.db
      .prepare('SELECT s.id, s.started_at AS startedAt, count(t.id) AS turns FROM sessions s LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.id ORDER BY s.started_at DESC, s.rowid DESC LIMIT 1')
      .get() as SessionInfo | undefined;
    return row;
  }

  info(sessionId: string): SessionInfo | undefined {
    return this.db.prepare('SELECT s.id, s.started_at AS startedAt, count(t.id) AS turns FROM sessions s LEFT JOIN turns t ON t.session_id = s.id WHERE s.id = ? GROUP BY s.id').get(sessionId) as SessionInfo | undefined;
  }

  append(sessionId: string, turn: Turn): StoredTurn {
    const result = this.db
      .prepare('INSERT INTO turns (session_id, role, text, interrupted, source, tool_calls, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(sessionId, turn.role, turn.text, turn.interrupted ? 1 : 0, turn.source ?? null, JSON.stringify(turn.toolCalls), turn.metrics ? JSON.stringify(turn.metrics) : null, turn.createdAt);
    return { ...turn, id: Number(result.lastInsertRowid), sessionId };
  }

  turns(sessionId: string): StoredTurn[] {
    return (this.db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY id').all(sessionId) as TurnRow[]).map(fromRow);
  }
}
