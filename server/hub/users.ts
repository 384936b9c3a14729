/**
 * Users, teams and their tokens. A token is 32 random bytes, shown once when it is made; the hub
 * keeps only its SHA-256, so neither a database copy nor a log can be used to sign in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HubDatabase, Identity } from './database';

/** Tokens start with this, so that secret scanners and people can tell one when they see it. */
const TOKEN_PREFIX = 'phub_';
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,99}$/u;

export class HubUserError extends Error {}

export interface NewUser {
  userId: number;
  teamId: number;
  user: string;
  team: string;
  /** The bearer token; it cannot be shown again. */
  token: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

function checkName(kind: string, name: string): string {
  const trimmed = name.trim();
  if (!NAME.test(trimmed))
    throw new HubUserError(`A ${kind} name is 1-100 letters, digits, spaces and . _ @ -, starting with a letter or digit; "${name}" is not.`);
  return trimmed;
}

/**
 * Adds a user to a team (made if it is new) with a first token. `credit` says whether their name
 * is shown on the passages they share.
 */
export async function addUser(db: HubDatabase, name: string, team: string, options: { credit?: boolean } = {}): Promise<NewUser> {
  const user = checkName('user', name);
  const teamName = checkName('team', team);
  const token = newToken();
  return db.admin(async (client) => {
    await client.query('INSERT INTO hub_teams (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [teamName]);
    const teamId = (await client.query<{ id: number }>('SELECT id FROM hub_teams WHERE name = $1', [teamName])).rows[0]!.id;
    const inserted = await client.query<{ id: number }>(
      'INSERT INTO hub_users (team_id, name, credit) VALUES ($1, $2, $3) ON CONFLICT (team_id, name) DO NOTHING RETURNING id',
      [teamId, user, options.credit === true],
    );
    const userId = inserted.rows[0]?.id;
    if (userId === undefined) throw new HubUserError(`The team "${teamName}" already has a user "${user}"; use "parley hub user token" for a new token.`);
    await client.query('INSERT INTO hub_tokens (hash, user_id) VALUES ($1, $2)', [hashToken(token), userId]);
    return { userId, teamId, user, team: teamName, token };
  });
}

/** Issues another token for an existing user; their earlier tokens keep working until revoked. */
export async function issueToken(db: HubDatabase, name: string, team: string): Promise<NewUser> {
  const token = newToken();
  return db.admin(async (client) => {
    const found = await findUser(client, name, team);
    await client.query('INSERT INTO hub_tokens (hash, user_id) VALUES ($1, $2)', [hashToken(token), found.userId]);
    return { ...found, token };
  });
}

/** Revokes every token of a user at once: their next request is refused. Returns how many were live. */
export async function revokeUser(db: HubDatabase, name: string, team: string): Promise<number> {
  return db.admin(async (client) => {
    const found = await findUser(client, name, team);
    const result = await client.query('UPDATE hub_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [found.userId]);
    return result.rowCount ?? 0;
  });
}

async function findUser(client: { query: HubDatabase['pool']['query'] }, name: string, team: string): Promise<Omit<NewUser, 'token'>> {
  const { rows } = await client.query<{ user_id: number; team_id: number; user: string; team: string }>(
    'SELECT u.id AS user_id, t.id AS team_id, u.name AS user, t.name AS team FROM hub_users u JOIN hub_teams t ON t.id = u.team_id WHERE u.name = $1 AND t.name = $2',
    [name.trim(), team.trim()],
  );
  const row = rows[0];
  if (!row) throw new HubUserError(`The team "${team}" has no user "${name}".`);
  return { userId: row.user_id, teamId: row.team_id, user: row.user, team: row.team };
}

export interface Profile {
  user: string;
  team: string;
  /** Whether the user's name is shown on the passages they share. */
  credit: boolean;
}

/** The user as the hub knows them; `credit` given, their choice is changed first (their own row only). */
export async function profile(db: HubDatabase, who: Identity, change: { credit?: boolean } = {}): Promise<Profile> {
  return db.asUser(who, async (client) => {
    if (change.credit !== undefined) await client.query('UPDATE hub_users SET credit = $2 WHERE id = $1', [who.userId, change.credit]);
    const { rows } = await client.query<{ credit: boolean }>('SELECT credit FROM hub_users WHERE id = $1', [who.userId]);
    return { user: who.userName, team: who.teamName, credit: rows[0]!.credit };
  });
}
