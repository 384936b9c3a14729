/**
 * `parley <command>`: the server's own modules, headless. Every subcommand takes `--json`, reads
 * provider choices from PARLEY_* and the vendors' key variables, and on error exits non-zero with
 * a one-line reason on stderr.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StatusReport } from '../protocol/status';
import { errorMessage, stderrLogger } from './log';
import { EXEC_USAGE, HandsUsageError, RUN_USAGE, execCommand, runCommandLine } from './hands/cli';
import { HUB_USAGE, HubUsageError, hubCommand } from './hub/cli';
import { KB_USAGE, KbUsageError, kbCommand } from './knowledge/cli';
import { Keys } from './providers/keys';
import { LOGS_USAGE, LogsUsageError, logsCommand } from './logs/cli';
import { SESSIONS_USAGE, SessionsUsageError, sessionsCommand } from './sessions/cli';
import { REPOMAP_USAGE, repomapCommand } from './repo/cli';
import { REVIEW_USAGE, ReviewUsageError, reviewCommand } from './repo/review/cli';
import { settingsFromEnv } from './settings';
import { buildStatusReport } from './status';
import { Storage } from './storage/storage';
import { parleyVersion } from './version';
import { setWorkspaceTrusted } from './process/trust';
import { formatVoiceRun, runVoice, voiceTurnsJson } from './voice/cli';

const USAGE = `Usage: parley <command> [options]

Commands:
  status [--json] [--storage <dir>]   versions, storage and provider configuration
  voice --input <file.wav> [--output <reply.wav>] [--workspace <dir>] [--json] [--storage <dir>]
                                      the voice loop headless: the WAV is the microphone (16 kHz
                                      mono, played in at real-time pace), the workspace (default:
                                      the current directory) is the context, answers are spoken
                                      into <reply.wav>; prints the turns with their latencies
                                      (--json: one object per line for each thing said)
${KB_USAGE}
${HUB_USAGE}
${LOGS_USAGE}
${SESSIONS_USAGE}
  ${REPOMAP_USAGE.replace(/^parley /, '')}
                                      the repository's files and symbols ranked by PageRank,
                                      within a token budget (the map the assistant sees)
  ${REVIEW_USAGE.replace(/^parley /, '')}
                                      the repository review: static checks (hotspots, cycles,
                                      size, TODOs, untested busy modules) and, with a model
                                      configured, a review of each main module; findings ranked
  ${EXEC_USAGE.replace(/^parley /, '')}
                                      one REPL cell in a fresh kernel, with the REPL's limits
                                      (10 s, 500 MB by default); figures written as PNG to
                                      --out-dir (default a new temporary folder)
  ${RUN_USAGE.replace(/^parley /, '')}
                                      one command as the assistant runs it (its own process
                                      group, no keys in its environment, limits on its whole
                                      tree), output streamed, then how it ended

Provider choices come from PARLEY_LLM, PARLEY_STT, PARLEY_TTS, PARLEY_EMBEDDINGS (with _MODEL and
_BASE_URL; PARLEY_EMBEDDINGS_MODEL_FOLDER for onnx), keys from ANTHROPIC_API_KEY, OPENAI_API_KEY, DEEPGRAM_API_KEY;
the hub's database from PARLEY_HUB_DATABASE_URL.`;

class UsageError extends Error {}

function defaultStorageDir(env: NodeJS.ProcessEnv): string {
  if (env.PARLEY_STORAGE) return env.PARLEY_STORAGE;
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'parley');
}

function formatStatus(report: StatusReport): string {
  const lines = [
    `Parley ${report.versions.parley} · Node ${report.versions.node} · SQLite ${report.versions.sqlite} · sqlite-vec ${report.versions.sqliteVec} · FTS5 ${report.versions.fts5 ? 'yes' : 'no'}`,
    `Knowledge base: ${report.storage.knowledgeDb}`,
    `Sessions:       ${report.storage.sessionsDb}`,
    ...report.storage.recovered.map((path) => `Recovered: a damaged database was moved to ${path}`),
    ...report.providers.map((stage) => {
      const what = [stage.provider, stage.model, stage.baseUrl].filter(Boolean).join(' · ');
      return `${stage.stage.padEnd(10)} ${what} — ${stage.configured ? 'configured' : `not configured: ${stage.hint}`}`;
    }),
    'Programs:',
    ...report.programs.map(
      (program) => `  ${program.name} — ${program.path ? `found: ${program.path}` : `missing; install: ${program.install}`} — for ${program.usedFor}`,
    ),
  ];
  return lines.join('\n');
}

const NATIVE_DIR = join(__dirname, 'native');

/** Runs a command with Parley's storage open (from --storage, PARLEY_STORAGE or the default). */
async function withStorage<T>(args: string[], env: NodeJS.ProcessEnv, use: (storage: Storage, json: boolean) => Promise<T> | T): Promise<T> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, storage: { type: 'string' } }, strict: false });
  const dir = typeof values.storage === 'string' ? values.storage : defaultStorageDir(env);
  const storage = Storage.open({ globalDir: dir, workspaceDir: join(dir, 'cli') }, NATIVE_DIR, stderrLogger());
  try {
    return await use(storage, values.json === true);
  } finally {
    storage.close();
  }
}

function status(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  parseArgs({ args, options: { json: { type: 'boolean' }, storage: { type: 'string' } }, strict: true });
  return withStorage(args, env, (storage, json) => {
    const log = stderrLogger();
    const report = buildStatusReport({ storage, settings: settingsFromEnv(env, log), keys: new Keys(env), env, startedAt: Date.now() });
    return json ? JSON.stringify(report, null, 2) : formatStatus(report);
  });
}

function voice(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return withStorage(args, env, async (storage, json) => {
    const result = await runVoice(args, env, storage, NATIVE_DIR, stderrLogger(env.PARLEY_LOG === 'info' ? 'info' : 'warn'));
    return json
      ? voiceTurnsJson(result)
          .map((turn) => JSON.stringify(turn))
          .join('\n')
      : formatVoiceRun(result);
  });
}

function sessions(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return sessionsCommand(args, join(defaultStorageDir(env), 'cli', 'sessions.db'), NATIVE_DIR);
}

function kb(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return kbCommand(args, env, join(defaultStorageDir(env), 'knowledge.db'), NATIVE_DIR);
}

const COMMANDS: Record<string, (args: string[], env: NodeJS.ProcessEnv) => Promise<string>> = {
  status,
  voice,
  kb,
  hub: hubCommand,
  logs: logsCommand,
  sessions,
  repomap: repomapCommand,
  review: reviewCommand,
  exec: execCommand,
  run: runCommandLine,
};

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const [command, ...rest] = argv;
  if (command === '--version') return parleyVersion;
  if (!command || command === '--help' || command === 'help') return USAGE;
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(`unknown command "${command}"; run "parley --help"`);
  return handler(rest, env);
}

async function main(): Promise<void> {
  // The user ran this command in a folder of their choosing: that is the trust VS Code would ask for.
  setWorkspaceTrusted(true);
  try {
    process.stdout.write((await run(process.argv.slice(2), process.env)) + '\n');
  } catch (error) {
    process.stderr.write(`parley: ${errorMessage(error).split('\n')[0]}\n`);
    process.exitCode =
      error instanceof UsageError ||
      error instanceof KbUsageError ||
      error instanceof HubUsageError ||
      error instanceof LogsUsageError ||
      error instanceof SessionsUsageError ||
      error instanceof ReviewUsageError ||
      error instanceof HandsUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        ? 2
        : 1;
  }
}

void main();
