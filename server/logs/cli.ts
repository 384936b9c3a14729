/**
 * `parley logs list|analyze`: Claude Code sessions headless, listed from `~/.claude/projects` (or
 * `--dir`) and analysed from their transcripts.
 */
import { parseArgs } from 'node:util';
import { formatBytes, type ClaudeSessionAnalysis, type ClaudeSessionEntry } from '../../protocol/logs';
import { DEFAULT_PRICES, readPriceTable } from '../pricing';
import { claudeProjectsDir, listClaudeSessions } from './claudeCode/list';
import { analyzeClaudeSession } from './claudeCode/session';

export const LOGS_USAGE = `  logs list [--dir <projects folder>] [--json]
                                      the Claude Code sessions under ~/.claude/projects, newest
                                      first: project, date, first prompt, size
  logs analyze <file.jsonl> [--json] [--prices <table.json>]
                                      a Claude Code transcript (and its sub-agents'): usage
                                      counted once per API message, cost, tools and their errors,
                                      repeated failures, files touched, timeline, prompt gaps`;

export class LogsUsageError extends Error {}

const OPTIONS = {
  dir: { type: 'string' },
  json: { type: 'boolean' },
  prices: { type: 'string' },
} as const;

export async function logsCommand(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  switch (sub) {
    case 'list': {
      const sessions = await listClaudeSessions(values.dir ?? claudeProjectsDir(env));
      return values.json ? JSON.stringify(sessions, null, 2) : formatList(sessions);
    }
    case 'analyze': {
      const [file] = positionals;
      if (!file || positionals.length > 1) throw new LogsUsageError('logs analyze needs one transcript (.jsonl).');
      const prices = values.prices ? await readPriceTable(values.prices) : DEFAULT_PRICES;
      const analysis = await analyzeClaudeSession(file, { prices, onProgress: progressReporter() });
      return values.json ? JSON.stringify(analysis, null, 2) : formatAnalysis(analysis);
    }
    default:
      throw new LogsUsageError(sub ? `Unknown logs command "${sub}".` : 'logs needs a command: list or analyze.');
  }
}

/** Progress on stderr, when a person is watching it, at most twice a second. */
function progressReporter(): ((bytes: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (bytes, total) => {
    const now = Date.now();
    if (now - last < 500 && bytes < total) return;
    last = now;
    process.stderr.write(`\rreading ${formatBytes(bytes)} of ${formatBytes(total)}${bytes >= total ? '\n' : ''}`);
  };
}

function formatList(sessions: ClaudeSessionEntry[]): string {
  if (sessions.length === 0) return 'No Claude Code sessions found.';
  return sessions
    .map(
      (entry) =>
        `${entry.modifiedAt.slice(0, 16).replace('T', ' ')}  ${formatBytes(entry.bytes).padStart(9)}  ${entry.project}\n    ${entry.firstPrompt ?? '(no prompt)'}\n    ${entry.file}`,
    )
    .join('\n');
}

function formatAnalysis(analysis: ClaudeSessionAnalysis): string {
  const { session, usage } = analysis;
  const tools = Object.entries(analysis.tools)
    .sort(([, a], [, b]) => b.calls - a.calls)
    .map(([name, stats]) => `  ${name}: ${stats.calls} call${stats.calls === 1 ? '' : 's'}${stats.errors ? `, ${stats.errors} failed` : ''}`);
  const cost = analysis.costUsd === undefined ? 'no price known' : `$${analysis.costUsd.toFixed(4)}`;
  return [
    `Session ${session.id}${session.cwd ? ` in ${session.cwd}` : ''}`,
    `${session.startedAt ?? '?'} → ${session.endedAt ?? '?'} (${Math.round(session.durationMs / 60_000)} min), ${analysis.prompts} prompts, ${analysis.messages} messages`,
    `Tokens: ${usage.input_tokens} in, ${usage.output_tokens} out, ${usage.cache_read_input_tokens} cache read, ${usage.cache_creation_input_tokens} cache written; cost ${cost}${analysis.unpricedModels.length ? ` (no price for ${analysis.unpricedModels.join(', ')})` : ''}`,
    'Tools:',
    ...tools,
    `Errors: ${analysis.errorCount}${analysis.repeatedFailures.length ? `; failing repeatedly: ${analysis.repeatedFailures.map((entry) => `${entry.tool} ×${entry.failures}`).join(', ')}` : ''}`,
    `Files touched: ${analysis.files.length}`,
    ...(analysis.skippedLines
      ? [`Skipped lines: ${analysis.skippedLines}${analysis.truncatedTail ? ' (the last was cut off: the file may still be being written)' : ''}`]
      : []),
  ].join('\n');
}
