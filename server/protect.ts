/**
 * Keeps the server alive through its dependencies' mistakes, as vscode-eslint's server does. A
 * dependency that throws in a callback nobody awaits, or rejects a promise nobody handles, would
 * end the process by Node's defaults: the editor loses the conversation, the knowledge base and
 * the live socket over one stray error. Here each is logged with its stack and the server carries
 * on. Errors that come too fast to be strays (a loop throwing on every tick) mean the server is
 * broken; it then exits with 1, so the editor starts a fresh one.
 *
 * A dependency that calls `process.exit` would end the server without a word. The call is
 * logged with the stack that made it, and the exit happens once the line has had time to reach
 * the editor's log. The server's own exits go through `exitServer`, the exit saved before any
 * dependency could replace it.
 */
import type { Logger } from './log';

const realExit = process.exit.bind(process);

/** Uncaught errors within `windowMs` past which the server gives up. */
export const UNCAUGHT_LIMIT = { errors: 5, windowMs: 60_000 };
/** How long a last log line may take to reach the editor before the process exits. */
export const LAST_LINE_MS = 1_000;

/** Ends the server: the real `process.exit`, whatever a dependency did to it. */
export function exitServer(code: number): never {
  return realExit(code);
}

/** The error as a log field: its stack when it has one, else what it is. */
function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}

/** Logs without risking a second error: a log that fails while reporting one goes to stderr. */
function safely(log: Logger, message: string, fields: Record<string, unknown>): void {
  try {
    log.error(message, fields);
  } catch {
    process.stderr.write(`[error] ${message} ${JSON.stringify(fields)}\n`);
  }
}

export function protectProcess(log: Logger, limit = UNCAUGHT_LIMIT): void {
  const recent: number[] = [];
  let exiting = false;
  const exitSoon = (code: number) => {
    if (exiting) return;
    exiting = true;
    setTimeout(() => realExit(code), LAST_LINE_MS).unref();
  };
  process.on('uncaughtException', (error) => {
    const now = Date.now();
    recent.push(now);
    while (recent[0]! <= now - limit.windowMs) recent.shift();
    if (recent.length > limit.errors) {
      safely(log, 'Errors keep coming with nobody to handle them; Parley stops, so that the editor starts it again', {
        count: recent.length,
        withinMs: limit.windowMs,
        error: describe(error),
      });
      return exitSoon(1);
    }
    safely(log, 'An error reached the top with nobody to handle it; Parley carries on', { error: describe(error) });
  });
  process.on('unhandledRejection', (reason) => safely(log, 'A promise failed with nobody to handle it; Parley carries on', { error: describe(reason) }));
  process.exit = ((code?: number | string | null) => {
    const exitCode = typeof code === 'number' ? code : Number(code ?? process.exitCode ?? 0) || 0;
    safely(log, `A library called process.exit(${exitCode}); Parley stops, as asked, once this is logged`, { stack: new Error('process.exit called').stack });
    exitSoon(exitCode);
  }) as typeof process.exit;
}
