/**
 * The vector leg's storage: pgvector where the server has it, the stored arrays otherwise. Set up
 * at every start rather than by a migration, because the extension may be installed later.
 */
import type { PoolClient } from 'pg';
import type { Logger } from '../log';
import { errorMessage } from '../log';
import { inTransaction, MIGRATION_LOCK } from './schema';

/** How the vector leg of a search runs in this database. */
export type VectorMode = { kind: 'pgvector'; version: string; iterativeScan: boolean } | { kind: 'arrays'; reason: string };

/**
 * Gives the passages a pgvector column with an HNSW index where the extension can be had: a
 * generated copy of the stored array, so every write keeps both. Where it cannot, the vector leg
 * rescores full-text candidates with the arrays. Checked at every start, under the migration
 * lock: an extension installed later is taken up by the next start.
 */
export async function prepareVectors(client: PoolClient, dimensions: number, log: Logger): Promise<VectorMode> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    if (!(await hasVectorColumn(client))) {
      const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
      if (available.rowCount === 0) return arrays(log, 'the pgvector extension is not installed on this PostgreSQL server');
      try {
        await inTransaction(client, async () => {
          await client.query('CREATE EXTENSION IF NOT EXISTS vector');
          await client.query(
            `ALTER TABLE hub_chunks ADD COLUMN embedding_v vector(${dimensions}) GENERATED ALWAYS AS (embedding::vector(${dimensions})) STORED`,
          );
          await client.query('CREATE INDEX hub_chunks_embedding_hnsw ON hub_chunks USING hnsw (embedding_v vector_cosine_ops)');
        });
      } catch (error) {
        return arrays(log, `pgvector could not be set up: ${errorMessage(error)}`);
      }
    }
    const { rows } = await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    const version = rows[0]?.extversion ?? 'unknown';
    log.info('Hub search uses pgvector (HNSW)', { version });
    return { kind: 'pgvector', version, iterativeScan: atLeast(version, [0, 8]) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

async function hasVectorColumn(client: PoolClient): Promise<boolean> {
  const sql = "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'hub_chunks' AND column_name = 'embedding_v'";
  return ((await client.query(sql)).rowCount ?? 0) > 0;
}

function arrays(log: Logger, reason: string): VectorMode {
  log.warn(`Hub search without pgvector: ${reason}; full-text candidates are rescored with vectors stored as arrays`);
  return { kind: 'arrays', reason };
}

function atLeast(version: string, wanted: [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > wanted[0] || (major === wanted[0] && minor >= wanted[1]);
}
