/**
 * Starting and stopping one hub process: connect and migrate, check the embedder the stored
 * vectors were made with, then serve. The process keeps no state of its own, so any number of
 * them can serve one database.
 */
import type { FastifyInstance } from 'fastify';
import { BuiltinEmbedder } from '../knowledge/embed/builtin';
import type { Logger } from '../log';
import { buildHubApp, DEFAULT_LIMITS, type HubLimits } from './app';
import { HubDatabase } from './database';
import type { VectorMode } from './vectors';

export interface HubServerOptions {
  databaseUrl: string;
  log: Logger;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  limits?: Partial<HubLimits>;
  maxConnections?: number;
  statementTimeoutMs?: number;
  /** How long a request waits for a database connection before the hub says it is busy. */
  connectTimeoutMs?: number;
}

export interface RunningHub {
  url: string;
  port: number;
  vectors: VectorMode;
  app: FastifyInstance;
  close(): Promise<void>;
}

export const DEFAULT_HUB_PORT = 8787;

export async function startHub(options: HubServerOptions): Promise<RunningHub> {
  const embedder = new BuiltinEmbedder();
  const { db, vectors } = await HubDatabase.open(
    {
      url: options.databaseUrl,
      log: options.log,
      maxConnections: options.maxConnections,
      statementTimeoutMs: options.statementTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    },
    embedder.dimensions,
  );
  try {
    await checkEmbedder(db, embedder.id);
    const app = buildHubApp({ db, embedder, vectors, limits: { ...DEFAULT_LIMITS, ...options.limits }, log: options.log });
    app.addHook('onClose', async () => db.close());
    const host = options.host ?? '127.0.0.1';
    await app.listen({ host, port: options.port ?? DEFAULT_HUB_PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_HUB_PORT);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    options.log.info('Parley hub listening', { url, vectors: vectors.kind });
    return { url, port, vectors, app, close: () => app.close() };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The first hub to start on a database records its embedder; a hub with another one refuses to
 * start rather than mix two kinds of vectors in one index.
 */
async function checkEmbedder(db: HubDatabase, embedderId: string): Promise<void> {
  await db.query("INSERT INTO hub_meta (key, value) VALUES ('embedder', $1) ON CONFLICT (key) DO NOTHING", [embedderId]);
  const { rows } = await db.query<{ value: string }>("SELECT value FROM hub_meta WHERE key = 'embedder'");
  const stored = rows[0]?.value;
  if (stored !== embedderId) throw new Error(`This hub database's passages were embedded with ${stored}; this hub embeds with ${embedderId}.`);
}
