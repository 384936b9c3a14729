/**
 * The team hub bench's corpora and processes: the PostgreSQL of scripts/pg-env.sh, `parley hub`
 * processes on it, and the same 100k-passage corpus twice, as a team on the hub (the shared vault
 * uploaded by several users, each under their own name) and as a local SQLite knowledge base (the
 * vault copied into as many folders). Both take minutes to build, so both are kept under
 * .cache/hub-bench/ and a later run starts from the copies: the hub's as a pg_dump (restored into
 * a template database kept in the cluster), the local one as the SQLite file.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { BuiltinEmbedder } from '../server/knowledge/embed/builtin';
import { KnowledgeBase } from '../server/knowledge/knowledgeBase';
import { stderrLogger } from '../server/log';
import { HubDatabase } from '../server/hub/database';
import { TENANT_ROLE } from '../server/hub/schema';
import { addUser, issueToken } from '../server/hub/users';
import { openDatabase } from '../server/storage/database';
import { KNOWLEDGE_MIGRATIONS } from '../server/storage/migrations';
import { DIST, REPO } from '../test/support/paths';

export const VAULT = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
export const CACHE = join(REPO, '.cache', 'hub-bench');
/** The vault's 22k passages under this many users make the 100k-passage team corpus. */
export const USERS = Number(process.env.BENCH_HUB_USERS ?? 5);
export const TEAM = 'bench';
/** Uploads in flight while the corpus is built, over both hubs. */
const BUILD_CONCURRENCY = 8;
export const log = stderrLogger('error');
const NATIVE_FROM_NODE_MODULES = '/nonexistent';

export function noteFiles(dir = VAULT): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.md$/i.test(path) && statSync(join(dir, path)).isFile())
    .sort();
}

/** What the cached corpora were made from: the vault's files and sizes, the users, the embedder. */
export function corpusKey(): string {
  const hash = createHash('sha256').update(`${USERS} users; ${new BuiltinEmbedder().id}\n`);
  for (const file of noteFiles()) hash.update(`${file}\t${statSync(join(VAULT, file)).size}\n`);
  return hash.digest('hex').slice(0, 12);
}

export const userName = (i: number) => `user ${i + 1}`;

// ——— PostgreSQL and the hub processes ———

export interface Cluster {
  url: string;
  bin: string;
  databaseUrl(name: string): string;
  admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T>;
}

export function startCluster(): Cluster {
  const url = execFileSync('bash', [join(REPO, 'scripts', 'pg-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const bin = readdirSync('/usr/lib/postgresql').sort().at(-1)!;
  const databaseUrl = (name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();
  return {
    url,
    bin: join('/usr/lib/postgresql', bin, 'bin'),
    databaseUrl,
    admin: async (work) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    },
  };
}

export interface HubProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** `parley hub` from the built bundle, as users run it, on a free port. */
export function hubProcess(databaseUrl: string, rateLimit: number): Promise<HubProcess> {
  const child = spawn(process.execPath, [join(DIST, 'cli.js'), 'hub', '--port', '0', '--rate-limit', String(rateLimit)], {
    env: { PATH: process.env.PATH, PARLEY_HUB_DATABASE_URL: databaseUrl, PARLEY_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`parley hub exited with ${code}: ${stderr}`)));
    child.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
      const url = /Parley hub listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) resolve({ url, child, stderr: () => stderr, stop });
    });
  });
}

export async function withHubs<T>(databaseUrl: string, rateLimit: number, work: (hubs: HubProcess[]) => Promise<T>): Promise<T> {
  // One at a time: the first migrates, the second finds the schema current.
  const first = await hubProcess(databaseUrl, rateLimit);
  const hubs = [first, await hubProcess(databaseUrl, rateLimit).catch(async (error: unknown) => Promise.reject(await first.stop().then(() => error)))];
  try {
    return await work(hubs);
  } finally {
    await Promise.all(hubs.map((hub) => hub.stop()));
  }
}

/** A token for a bench user, made for this run (the cached corpus keeps only hashes). */
export async function tokenFor(databaseUrl: string, name: string, team = TEAM): Promise<string> {
  const db = HubDatabase.connect({ url: databaseUrl, log });
  try {
    return (await issueToken(db, name, team).catch(() => addUser(db, name, team))).token;
  } finally {
    await db.close();
  }
}

// ——— the team corpus on the hub ———

export interface HubCorpus {
  /** The template database holding the built corpus, kept in the cluster between runs. */
  template: string;
  /** How it was had this run, and how long that took. */
  how: 'built' | 'restored' | 'kept';
  seconds: number;
  build?: { notes: number; passages: number; seconds: number };
}

/** The team corpus as a template database: kept from an earlier run, restored from the cache, or built. */
export async function hubCorpus(cluster: Cluster): Promise<HubCorpus> {
  const key = corpusKey();
  const template = `parley_hub_bench_${key}`;
  const dump = join(CACHE, `hub-${key}.dump`);
  const started = performance.now();
  const exists = await cluster.admin(async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount ?? 0) > 0);
  if (exists) return { template, how: 'kept', seconds: (performance.now() - started) / 1000 };
  await cluster.admin((client) => client.query(`CREATE DATABASE ${template}`));
  try {
    if (existsSync(dump)) {
      await ensureTenantRole(cluster);
      execFileSync(join(cluster.bin, 'pg_restore'), ['--no-owner', '-j', '2', '-d', cluster.databaseUrl(template), dump], { stdio: 'inherit' });
      return { template, how: 'restored', seconds: (performance.now() - started) / 1000 };
    }
    const build = await buildHubCorpus(cluster.databaseUrl(template));
    mkdirSync(CACHE, { recursive: true });
    execFileSync(join(cluster.bin, 'pg_dump'), ['-Fc', '-Z', '1', '-f', `${dump}.part`, cluster.databaseUrl(template)], { stdio: 'inherit' });
    renameSync(`${dump}.part`, dump);
    return { template, how: 'built', seconds: (performance.now() - started) / 1000, build };
  } catch (error) {
    await cluster.admin((client) => client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
    throw error;
  }
}

/** A restored dump grants to the tenant role, which a fresh cluster has not made yet. */
async function ensureTenantRole(cluster: Cluster): Promise<void> {
  await cluster.admin(async (client) => {
    if ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [TENANT_ROLE])).rowCount === 0)
      await client.query(`CREATE ROLE ${TENANT_ROLE} NOLOGIN`);
  });
}

/** Every user uploads the whole vault, shared, through two hub processes; a note's first folder is its category. */
async function buildHubCorpus(databaseUrl: string): Promise<{ notes: number; passages: number; seconds: number }> {
  const files = noteFiles();
  return withHubs(databaseUrl, 1_000_000, async (hubs) => {
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) tokens.push(await tokenFor(databaseUrl, userName(i)));
    const jobs = tokens.flatMap((token) => files.map((file) => ({ token, file })));
    const started = performance.now();
    let next = 0;
    let passages = 0;
    const worker = async (w: number) => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const chunks = await uploadNote(hubs[w % hubs.length]!.url, job.token, job.file);
        passages += chunks;
        if (next % 2000 === 0) process.stderr.write(`[hub bench] uploaded ${next} of ${jobs.length} notes\n`);
      }
    };
    await Promise.all(Array.from({ length: BUILD_CONCURRENCY }, (_, w) => worker(w)));
    return { notes: jobs.length, passages, seconds: (performance.now() - started) / 1000 };
  });
}

export function categoryOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : 'root';
}

async function uploadNote(hub: string, token: string, file: string): Promise<number> {
  const form = new FormData();
  form.append('visibility', 'shared');
  form.append('category', categoryOf(file));
  form.append('path', file);
  form.append('file', new Blob([readFileSync(join(VAULT, file))], { type: 'text/markdown' }), file.replace(/^.*\//, ''));
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${hub}/api/kb/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await response.json()) as { chunks?: number; error?: { message: string } };
    if (response.ok) return body.chunks ?? 0;
    // The hub says when the database was out of reach; a build of several minutes rides that out.
    if (response.status !== 503 || attempt === 3) throw new Error(`Uploading ${file}: ${response.status} ${body.error?.message ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 5) * 1000));
  }
}

/** A database of this run, copied from the template (a file copy inside the cluster). */
export async function runDatabase(cluster: Cluster, template: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_hub_bench_run_${process.pid}`;
  await cluster.admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  });
  return {
    url: cluster.databaseUrl(name),
    drop: () => cluster.admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

// ——— the same corpus in a local SQLite knowledge base ———

export function openKb(file: string): KnowledgeBase {
  const { db } = openDatabase({ file, migrations: KNOWLEDGE_MIGRATIONS, nativeDir: NATIVE_FROM_NODE_MODULES, log, label: 'knowledge base' });
  return new KnowledgeBase({ db, file, embedder: new BuiltinEmbedder(), log });
}

/** The local baseline: the vault in as many folders as the hub has users, in one knowledge base (cached). */
export async function localCorpus(work: string): Promise<{ file: string; how: 'built' | 'restored'; seconds: number }> {
  const cached = join(CACHE, `local-${corpusKey()}.db`);
  const file = join(work, 'local.db');
  const started = performance.now();
  if (existsSync(cached)) {
    copyFileSync(cached, file);
    return { file, how: 'restored', seconds: (performance.now() - started) / 1000 };
  }
  const folder = join(work, 'notes');
  for (let i = 0; i < USERS; i++)
    for (const note of noteFiles()) {
      const to = join(folder, userName(i), note);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(VAULT, note), to);
    }
  const kb = openKb(file);
  await kb.add(folder);
  kb.dispose();
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  copyFileSync(file, `${cached}.part`);
  renameSync(`${cached}.part`, cached);
  return { file, how: 'built', seconds: (performance.now() - started) / 1000 };
}
