/**
 * `parley hub`: the team hub server, and `parley hub user …` to manage who may use it. The
 * database comes from --database or PARLEY_HUB_DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { stderrLogger, type Logger } from '../log';
import { DEFAULT_LIMITS } from './app';
import { HubDatabase } from './database';
import { LATEST_VERSION, schemaVersion } from './schema';
import { DEFAULT_HUB_PORT, startHub } from './server';
import { addUser, HubUserError, issueToken, revokeUser, type NewUser } from './users';

export const HUB_USAGE = `  hub [--database <url>] [--host 127.0.0.1] [--port ${DEFAULT_HUB_PORT}] [--rate-limit ${DEFAULT_LIMITS.rateLimitPerMinute}] [--max-upload-kb ${DEFAULT_LIMITS.maxUploadBytes / 1024}]
                                      the team knowledge hub: an HTTP server in front of
                                      PostgreSQL (--database or PARLEY_HUB_DATABASE_URL);
                                      --rate-limit is requests per token per minute
  hub user add <name> [--team <team>] [--credit] [--database <url>] [--json]
                                      adds a user (and the team, default "default") and prints
                                      their token, once; --credit shows their name on what they share
  hub user token <name> [--team <team>] [--database <url>] [--json]
                                      another token for a user
  hub user revoke <name> [--team <team>] [--database <url>]
                                      revokes all of a user's tokens at once`;

export class HubUsageError extends Error {}

const DEFAULT_TEAM = 'default';

const OPTIONS = {
  database: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'rate-limit': { type: 'string' },
  'max-upload-kb': { type: 'string' },
  team: { type: 'string' },
  credit: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function hubCommand(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  const url = values.database ?? env.PARLEY_HUB_DATABASE_URL;
  if (!url) throw new HubUsageError('hub needs a database: --database postgres://… or PARLEY_HUB_DATABASE_URL.');
  const log = stderrLogger(env.PARLEY_LOG === 'warn' ? 'warn' : 'info');
  const [sub, action, name, ...extra] = positionals;
  if (sub === undefined) return serve(url, values, log);
  if (sub !== 'user') throw new HubUsageError(`Unknown hub command "${sub}"; it is "parley hub" or "parley hub user add|token|revoke <name>".`);
  if (!name || extra.length > 0) throw new HubUsageError('hub user needs one user name: parley hub user add|token|revoke <name> [--team <team>].');
  return userCommand(url, action, name, values, log);
}

function positiveInteger(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new HubUsageError(`--${option} is a whole number; "${value}" is not.`);
  return number;
}

/** Serves until SIGINT or SIGTERM, then finishes the requests in flight and closes. */
async function serve(url: string, values: Values, log: Logger): Promise<string> {
  const rateLimit = positiveInteger(values['rate-limit'], 'rate-limit', DEFAULT_LIMITS.rateLimitPerMinute);
  if (rateLimit < 1) throw new HubUsageError('--rate-limit is at least 1 request a minute.');
  const hub = await startHub({
    databaseUrl: url,
    log,
    host: values.host,
    port: positiveInteger(values.port, 'port', DEFAULT_HUB_PORT),
    limits: {
      rateLimitPerMinute: rateLimit,
      maxUploadBytes: positiveInteger(values['max-upload-kb'], 'max-upload-kb', DEFAULT_LIMITS.maxUploadBytes / 1024) * 1024,
    },
  });
  process.stderr.write(`Parley hub listening on ${hub.url} (vectors: ${hub.vectors.kind})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await hub.close();
  return 'Parley hub stopped';
}

async function userCommand(url: string, action: string | undefined, name: string, values: Values, log: Logger): Promise<string> {
  const db = HubDatabase.connect({ url, log });
  try {
    const version = await schemaVersion(db.pool);
    if (version < LATEST_VERSION) throw new HubUserError('This database has no hub schema yet (or an older one): start "parley hub" on it once first.');
    const team = values.team ?? DEFAULT_TEAM;
    switch (action) {
      case 'add':
        return formatToken(await addUser(db, name, team, { credit: values.credit === true }), values.json === true);
      case 'token':
        return formatToken(await issueToken(db, name, team), values.json === true);
      case 'revoke': {
        const revoked = await revokeUser(db, name, team);
        return values.json ? JSON.stringify({ user: name, team, revoked }) : `Revoked ${revoked} token(s) of ${name} (team ${team}).`;
      }
      default:
        throw new HubUsageError(`Unknown hub user command "${action ?? ''}"; it is add, token or revoke.`);
    }
  } finally {
    await db.close();
  }
}

function formatToken(user: NewUser, json: boolean): string {
  if (json) return JSON.stringify({ user: user.user, team: user.team, token: user.token });
  return `Token for ${user.user} (team ${user.team}); it is shown only this once:\n${user.token}`;
}
