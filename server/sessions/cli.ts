/**
 * `parley sessions list|search|export|import|delete`: past sessions headless, from a session
 * database (`--db`, default the command line's own under Parley's storage; the status command
 * and the extension's log name the path of a workspace's).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { SessionExportSchema } from '../../protocol/sessionExport';
import { schemaProblem, stderrLogger } from '../log';
import { openDatabase } from '../storage/database';
import { SESSIONS_MIGRATIONS } from '../storage/migrations';
import { exportedSession } from './export';
import type { SessionSummary } from '../../protocol/session';
import { SessionStore } from './store';

export const SESSIONS_USAGE = `  sessions list [--db <sessions.db>] [--json]
                                      past sessions, newest first: title, date, turns
  sessions search "<text>" [--db <sessions.db>] [--json] [--limit 20]
                                      turns, tool calls and REPL cells of every session that
                                      hold all the words, best first
  sessions export <id> --format md|json [--db <sessions.db>]
  sessions import <session.json> [--db <sessions.db>]
  sessions delete <id> [--db <sessions.db>]`;

export class SessionsUsageError extends Error {}

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' },
  limit: { type: 'string' },
} as const;

export async function sessionsCommand(args: string[], defaultDb: string, nativeDir: string): Promise<string> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  const { db } = openDatabase({
    file: values.db ?? defaultDb,
    migrations: SESSIONS_MIGRATIONS,
    nativeDir,
    log: stderrLogger('warn'),
    label: 'session history',
  });
  try {
    const store = new SessionStore(db);
    const [argument] = positionals;
    switch (sub) {
      case 'list':
        return values.json ? JSON.stringify(store.list(), null, 2) : formatList(store.list());
      case 'search': {
        if (!argument) throw new SessionsUsageError('sessions search needs the words to look for.');
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new SessionsUsageError('--limit must be a whole number above 0.');
        const hits = store.search(positionals.join(' '), limit);
        if (values.json) return JSON.stringify(hits, null, 2);
        return hits.length === 0
          ? 'Nothing found.'
          : hits.map((hit) => `${new Date(hit.createdAt).toISOString().slice(0, 16)}  ${hit.sessionId}  ${hit.snippet}`).join('\n');
      }
      case 'export':
        return exportOne(store, argument, values.format);
      case 'import':
        return await importOne(store, argument);
      case 'delete':
        if (!argument) throw new SessionsUsageError('sessions delete needs a session id (parley sessions list shows them).');
        if (!store.delete(argument)) throw new Error(`No session ${argument}.`);
        return `Deleted session ${argument}.`;
      default:
        throw new SessionsUsageError(sub ? `Unknown sessions command "${sub}".` : 'sessions needs a command: list, search, export, import or delete.');
    }
  } finally {
    db.close();
  }
}

function exportOne(store: SessionStore, id: string | undefined, format: string | undefined): string {
  if (!id) throw new SessionsUsageError('sessions export needs a session id (parley sessions list shows them).');
  if (format !== 'md' && format !== 'json') throw new SessionsUsageError('sessions export needs --format md or --format json.');
  const exported = exportedSession(store, id, format);
  if (!exported) throw new Error(`No session ${id}.`);
  return exported.content;
}

async function importOne(store: SessionStore, file: string | undefined): Promise<string> {
  if (!file) throw new SessionsUsageError('sessions import needs an exported session (.json).');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not readable JSON: ${(error as Error).message}`);
  }
  const parsed = z.safeParse(SessionExportSchema, raw);
  if (!parsed.success) throw new Error(`${file} is not an exported Parley session: ${schemaProblem(parsed.error)}`);
  store.importSession(parsed.data);
  return `Imported session ${parsed.data.session.id} (${parsed.data.turns.length} turns, ${parsed.data.executions.length} REPL cells).`;
}

function formatList(sessions: SessionSummary[]): string {
  if (sessions.length === 0) return 'No sessions yet.';
  return sessions
    .map((session) => {
      const minutes = Math.round((session.endedAt - session.startedAt) / 60_000);
      const cost = session.costUsd === undefined ? '' : `  $${session.costUsd.toFixed(4)}`;
      return `${new Date(session.startedAt).toISOString().slice(0, 16).replace('T', ' ')}  ${String(minutes).padStart(4)} min  ${String(session.turns).padStart(4)} turns${cost}  ${session.id}\n    ${session.title ?? '(nothing said)'}`;
    })
    .join('\n');
}
