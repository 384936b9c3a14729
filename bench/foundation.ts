/**
 * Foundation figures: server start-to-ready, server idle memory, VSIX size, and extension
 * activation. Each is compared with a baseline measured in the same run: a bare Node process
 * started and measured the same way.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from '../test/support/paths';
import { waitFor } from '../test/support/poll';
import { startServer } from '../test/support/server';
import { tempDir } from '../test/support/paths';
import { measureActivation, type Activation } from './activation';
import { median, printTable, type Row } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
// Each activation run starts a whole code-server, so fewer of them.
const ACTIVATION_RUNS = Number(process.env.BENCH_ACTIVATION_RUNS ?? 5);

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** A bare Node process: time until it can answer on stdout, and its memory once idle. */
async function bareNode(): Promise<{ readyMs: number; rss: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("ready"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const readyMs = performance.now() - started;
  const rss = await settledRss(child.pid!);
  child.kill();
  return { readyMs, rss };
}

/** RSS after the process has been idle for a moment (polled until two readings agree). */
async function settledRss(pid: number): Promise<number> {
  let last = rssMb(pid);
  return waitFor(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = rssMb(pid);
      const settled = Math.abs(now - last) < 0.5;
      last = now;
      return settled ? now : undefined;
    },
    { timeoutMs: 10_000, what: 'memory to settle' },
  );
}

/** Spawn → initialize → the first status notification that says ready. */
async function parleyServer(): Promise<{ readyMs: number; rss: number }> {
  const dir = tempDir('bench');
  const started = performance.now();
  const server = await startServer({ storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') } });
  const readyMs = performance.now() - started;
  const rss = await settledRss(server.process.pid!);
  await server.stop();
  dir.cleanup();
  return { readyMs, rss };
}

async function main(): Promise<void> {
  const server: { readyMs: number; rss: number }[] = [];
  const bare: { readyMs: number; rss: number }[] = [];
  // Interleaved so that load on the shared machine hits both alike.
  for (let run = 0; run < RUNS; run++) {
    bare.push(await bareNode());
    server.push(await parleyServer());
  }
  const activation: Activation[] = [];
  for (let run = 0; run < ACTIVATION_RUNS; run++) activation.push(await measureActivation());
  const vsixMb = statSync(join(DIST, 'parley.vsix')).size / 1024 / 1024;
  const rows: Row[] = [
    {
      metric: 'server start to ready',
      median: median(server.map((r) => r.readyMs)),
      unit: 'ms',
      baseline: { name: 'bare node', median: median(bare.map((r) => r.readyMs)) },
      budget: 500,
    },
    {
      metric: 'server idle RSS',
      median: median(server.map((r) => r.rss)),
      unit: 'MB',
      baseline: { name: 'bare node', median: median(bare.map((r) => r.rss)) },
      budget: 120,
    },
    {
      metric: "extension activation (VS Code's figure)",
      median: median(activation.map((r) => r.parley)),
      unit: 'ms',
      baseline: { name: 'one-command extension', median: median(activation.map((r) => r.baseline)) },
      budget: 50,
    },
    { metric: "activate() call alone (Parley's log)", median: median(activation.map((r) => r.activateCall)), unit: 'ms' },
    { metric: 'VSIX size', median: vsixMb, unit: 'MB' },
  ];
  printTable(`Foundation (${RUNS} server runs, ${ACTIVATION_RUNS} code-server runs, Node ${process.versions.node})`, rows);
}

void main();
