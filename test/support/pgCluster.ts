/**
 * A private PostgreSQL cluster for one test: Debian's binaries (which scripts/pg-env.sh installs),
 * its data in a temporary folder, on a free port of 127.0.0.1, with the superuser parley (password
 * parley). Unlike the shared cluster of scripts/pg-env.sh, a test may stop and start this one.
 *
 *   const cluster = new PgCluster('restart');
 *   try { await cluster.create(); await cluster.start(); ... await cluster.stop(); } finally { await cluster.dispose(); }
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './codeserver';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const PASSWORD = 'parley';
const SETUP = 'run "bash scripts/pg-env.sh", which installs Debian\'s postgresql';

/** The newest installed PostgreSQL's bin folder, or undefined when none is installed. */
function binDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const version = readdirSync(PG_ROOT)
    .filter((name) => existsSync(join(PG_ROOT, name, 'bin', 'pg_ctl')))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1);
  return version === undefined ? undefined : join(PG_ROOT, version, 'bin');
}

/** The uid and gid of the postgres user, from /etc/passwd: PostgreSQL refuses to run as root. */
function postgresUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid === undefined || gid === undefined ? undefined : { uid: Number(uid), gid: Number(gid) };
}

export class PgCluster {
  /** The temporary folder: the data directory, the password file and nothing else. */
  readonly dir: string;
  readonly dataDir: string;
  private readonly bin: string;
  /** As root, every PostgreSQL program runs as the postgres user, which owns the folder. */
  private readonly owner: { uid: number; gid: number } | undefined;
  private chosenPort: number | undefined;

  /** Finds the programs and makes the folder; fails, never skips, when PostgreSQL is not installed. */
  constructor(label: string) {
    const bin = binDir();
    if (!bin) throw new Error(`PostgreSQL's programs are not installed (no ${PG_ROOT}/*/bin/pg_ctl): ${SETUP}.`);
    this.bin = bin;
    const root = process.getuid?.() === 0;
    this.owner = root ? postgresUser() : undefined;
    if (root && !this.owner) throw new Error(`Running as root, PostgreSQL needs the postgres user, which is missing: ${SETUP}.`);
    if (root && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) throw new Error(`runuser is missing: ${SETUP}.`);
    this.dir = mkdtempSync(join(tmpdir(), `parley-pg-${label}-`));
    if (this.owner) chownSync(this.dir, this.owner.uid, this.owner.gid);
    this.dataDir = join(this.dir, 'data');
  }

  get port(): number {
    if (this.chosenPort === undefined) throw new Error('The cluster has no port before create()');
    return this.chosenPort;
  }

  /** The address of one of its databases, as the hub and pg.Client take it. */
  url(database = 'postgres'): string {
    return `postgres://parley:${PASSWORD}@127.0.0.1:${this.port}/${database}`;
  }

  /** initdb, and a port that is free now; the cluster keeps that port across restarts. */
  async create(): Promise<void> {
    const passwordFile = join(this.dir, 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    if (this.owner) chownSync(passwordFile, this.owner.uid, this.owner.gid);
    try {
      await this.pg('initdb', [
        '-D',
        this.dataDir,
        '-U',
        'parley',
        `--pwfile=${passwordFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ]);
    } finally {
      rmSync(passwordFile, { force: true });
    }
    this.chosenPort = await freePort();
  }

  /** Starts the server and waits until it accepts connections; options as scripts/pg-env.sh's. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dataDir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nThe server's log:\n${this.log()}`);
    }
  }

  /** A fast shutdown: the server ends every session (each gets admin_shutdown) and exits; waits for it. */
  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', '-m', 'fast', 'stop']);
  }

  /** Whether a server runs on the data directory (it leaves postmaster.pid while it does). */
  running(): boolean {
    return existsSync(join(this.dataDir, 'postmaster.pid'));
  }

  /** What the server wrote to its log, for a failure's message. */
  log(): string {
    const path = join(this.dataDir, 'server.log');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
  }

  /** Stops the server if it runs and removes the folder; for an `after` hook, whatever the test left. */
  async dispose(): Promise<void> {
    try {
      if (this.running()) await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** One PostgreSQL program, as the postgres user when this process is root. */
  private async pg(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    const [command, argv] = this.owner ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    try {
      await run(command, argv, { cwd: this.dir, timeout: 90_000 });
    } catch (error) {
      const { stderr, code } = error as { stderr?: string; code?: unknown };
      if (code === 'ENOENT') throw new Error(`${command} was not found: ${SETUP}.`);
      throw new Error(`${program} ${args.at(-1)} failed: ${stderr?.trim() || (error as Error).message}`);
    }
  }
}
