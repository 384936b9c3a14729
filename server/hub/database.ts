/**
 * The hub's connection to PostgreSQL: a pool, the start-up work (migrations, the vector column),
 * and the two ways of running work. A request's work runs as a member of a team: one transaction
 * as the tenant role with the user and team set for the policies, under a statement timeout.
 * Administration (adding users) runs as the role the hub connected as.
 */
import pg from 'pg';
import { errorMessage, type Logger } from '../log';
import { databaseUnavailable, hubBusy, isDatabaseUnavailable } from './errors';
import { LATEST_VERSION, migrate, schemaVersion, TENANT_ROLE } from './schema';
import { prepareVectors, type VectorMode } from './vectors';

/** Who a request acts as, from its token. */
export interface Identity {
  userId: number;
  teamId: number;
  userName: string;
  teamName: string;
}

export interface Authenticated extends Identity {
  /** Requests of this token in the current minute, this one included. */
  hits: number;
  /** Milliseconds until the current minute's count starts again. */
  retryAfterMs: number;
}

export interface HubDatabaseOptions {
  url: string;
  log: Logger;
  /** Most connections this process holds. */
  maxConnections?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const INT8_OID = 20;
// Ids are bigint; JavaScript numbers hold them exactly far beyond any hub's row counts.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export type Queryable = Pick<pg.PoolClient, 'query'>;

export class HubDatabase {
  readonly pool: pg.Pool;
  private readonly statementTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly connectTimeoutMs: number;

  private constructor(
    options: HubDatabaseOptions,
    readonly log: Logger,
  ) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
    this.maxConnections = options.maxConnections ?? 10;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: this.maxConnections,
      connectionTimeoutMillis: this.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      types,
      application_name: 'parley-hub',
    });
    // An idle connection the server closed (a restart) must not take the process down; the pool
    // drops it and the next request connects again.
    this.pool.on('error', (error) => log.warn('Hub database connection lost', { error }));
  }

  /** Connects without touching the schema: for administration of a database already migrated. */
  static connect(options: HubDatabaseOptions): HubDatabase {
    return new HubDatabase(options, options.log);
  }

  /** Connects, migrates and sets up the vector column; what the hub server does on start. */
  static async open(options: HubDatabaseOptions, dimensions: number): Promise<{ db: HubDatabase; vectors: VectorMode }> {
    const db = new HubDatabase(options, options.log);
    try {
      const vectors = await db.prepare(dimensions);
      return { db, vectors };
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  private async prepare(dimensions: number): Promise<VectorMode> {
    const client = await this.pool.connect();
    try {
      await migrate(client, this.log);
      await this.checkTenantRole(client);
      return await prepareVectors(client, dimensions, this.log);
    } finally {
      client.release();
    }
  }

  /** The policies only bind a role that cannot bypass them; refuse to serve without one. */
  private async checkTenantRole(client: pg.PoolClient): Promise<void> {
    const { rows } = await client.query<{ usable: boolean; bypass: boolean }>(
      `SELECT pg_has_role(current_user, $1, 'MEMBER') AS usable, (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = $1) AS bypass`,
      [TENANT_ROLE],
    );
    const row = rows[0];
    if (!row?.usable) throw new Error(`The hub's database role may not act as ${TENANT_ROLE}; grant it: GRANT ${TENANT_ROLE} TO <the hub's role>.`);
    if (row.bypass) throw new Error(`The role ${TENANT_ROLE} bypasses row-level security; it must not: ALTER ROLE ${TENANT_ROLE} NOSUPERUSER NOBYPASSRLS.`);
  }

  /** The token's user and team, with the request counted against its per-minute limit; undefined for an unknown or revoked token. */
  async authenticate(tokenHash: string): Promise<Authenticated | undefined> {
    const { rows } = await this.query<{
      user_id: number;
      team_id: number;
      user_name: string;
      team_name: string;
      hits: number;
      retry_after_ms: number;
    }>('SELECT * FROM hub_authenticate($1)', [tokenHash]);
    const row = rows[0];
    if (!row) return undefined;
    return { userId: row.user_id, teamId: row.team_id, userName: row.user_name, teamName: row.team_name, hits: row.hits, retryAfterMs: row.retry_after_ms };
  }

  /**
   * Runs `work` in one transaction as the tenant role, with the policies set to this user and
   * team; commits when it resolves, rolls back when it throws.
   */
  async asUser<T>(identity: Identity, work: (client: pg.PoolClient) => Promise<T>, options: { extraSettings?: string } = {}): Promise<T> {
    const userId = safeId(identity.userId);
    const teamId = safeId(identity.teamId);
    const begin =
      `BEGIN; SET LOCAL ROLE ${TENANT_ROLE}; SET LOCAL statement_timeout = ${Math.trunc(this.statementTimeoutMs)}; ` +
      `SELECT set_config('parley.user_id', '${userId}', true), set_config('parley.team_id', '${teamId}', true); ${options.extraSettings ?? ''}`;
    return this.transaction(begin, work);
  }

  /** Runs `work` in one transaction as the role the hub connected as (administration). */
  admin<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(`BEGIN; SET LOCAL statement_timeout = ${Math.trunc(this.statementTimeoutMs)}`, work);
  }

  private async transaction<T>(begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isDatabaseUnavailable(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw unavailableOr(error);
    } finally {
      // A connection that failed mid-transaction is closed rather than handed to the next request.
      client.release(broken);
    }
  }

  /** One statement outside a transaction, as the hub's own role. */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    const saturated = this.saturated();
    try {
      // pool.query listens for the connection's errors while it runs (a server going away).
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw this.poolError(error, saturated);
    }
  }

  private async checkout(): Promise<pg.PoolClient> {
    const saturated = this.saturated();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.poolError(error, saturated);
    }
    // A checked-out connection has no listener of the pool's: a server going away mid-transaction
    // fails the running query, and must not also be an uncaught 'error' event.
    const onError = (error: Error) => this.log.warn('Hub database connection lost mid-request', { error: errorMessage(error) });
    client.on('error', onError);
    const release = client.release.bind(client);
    client.release = (destroy?: boolean | Error) => {
      client.off('error', onError);
      release(destroy);
    };
    return client;
  }

  /** Whether every connection is open and in use, so that a request now must wait for one. */
  private saturated(): boolean {
    return this.pool.totalCount >= this.maxConnections && this.pool.idleCount === 0;
  }

  /**
   * Waiting longer than the connect timeout is load when every connection was already open and in
   * use (a 503 that says the hub is busy), and an outage when a new connection could not be made.
   */
  private poolError(error: unknown, saturated: boolean): unknown {
    if (saturated && /timeout exceeded when trying to connect/i.test(errorMessage(error))) return hubBusy(this.maxConnections, this.connectTimeoutMs);
    return unavailableOr(error);
  }

  /** Whether the database answers and its schema is the one this hub expects. */
  async readiness(): Promise<{ ready: boolean; reason?: string; version?: number }> {
    try {
      const version = await schemaVersion(this.pool);
      if (version < LATEST_VERSION) return { ready: false, version, reason: `the database schema is at version ${version}; this hub needs ${LATEST_VERSION}` };
      return { ready: true, version };
    } catch (error) {
      return { ready: false, reason: isDatabaseUnavailable(error) ? 'the database cannot be reached' : (error as Error).message };
    }
  }

  /** Connections open, idle, and requests waiting for one. */
  poolUse(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function safeId(id: number): number {
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`Not a row id: ${String(id)}`);
  return id;
}

function unavailableOr(error: unknown): unknown {
  return isDatabaseUnavailable(error) ? databaseUnavailable() : error;
}
