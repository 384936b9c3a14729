/**
 * Hands figures: how long past its limit a runaway tree takes to stop (p95; budget 1 s), a REPL
 * cell's round trip for `1+1` in a warm kernel against a bare `python -c 1+1` with the same
 * interpreter, and the time to the first output byte through run.ts against spawning the same
 * command directly, all in the same run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { Repl } from '../server/hands/repl';
import { runCommand } from '../server/hands/run';
import { tempDir } from '../test/support/paths';
import { median, printTable, type Row } from './stats';

const RUNS = Number(process.env.BENCH_HANDS_RUNS ?? 20);
const LIMIT_MS = 500;
const dir = tempDir('bench-hands');
const workspace = { cwd: dir.path, workspaceFolders: [dir.path] };

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

/** How long after its wall-time limit a busy tree (a loop and 8 busy children, one of them setsid) is gone. */
async function stopPastLimit(): Promise<number[]> {
  const tree = 'for i in 1 2 3 4 5 6 7; do (while :; do :; done) & done; setsid sh -c "while :; do :; done" & while :; do :; done';
  const overshoot: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await runCommand({ program: 'sh', args: ['-c', tree], ...workspace, timeoutMs: LIMIT_MS });
    overshoot.push(performance.now() - started - LIMIT_MS);
  }
  return overshoot;
}

/** The interpreter python3 on PATH really is (a pyenv shim would add its own start-up to the bare run). */
function realPython(): string {
  return spawnSync(process.env.PARLEY_PYTHON ?? 'python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
}

async function replRoundTrip(python: string): Promise<{ cell: number[]; bare: number[] }> {
  const repl = new Repl({ language: 'python', python, ...workspace });
  const cell: number[] = [];
  const bare: number[] = [];
  try {
    for (let warm = 0; warm < 3; warm++) await repl.run('1+1');
    for (let run = 0; run < RUNS; run++) {
      let started = performance.now();
      await repl.run('1+1');
      cell.push(performance.now() - started);
      started = performance.now();
      spawnSync(python, ['-c', '1+1']);
      bare.push(performance.now() - started);
    }
  } finally {
    await repl.close();
  }
  return { cell, bare };
}

function firstByteDirect(): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', 'echo first'], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.once('data', () => resolve(performance.now() - started));
  });
}

async function firstByteThroughRun(): Promise<number> {
  const started = performance.now();
  let first = 0;
  await runCommand({ program: 'sh', args: ['-c', 'echo first'], ...workspace, timeoutMs: 10_000, onOutput: () => (first ||= performance.now() - started) });
  return first;
}

async function firstByte(): Promise<{ run: number[]; direct: number[] }> {
  const run: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    run.push(await firstByteThroughRun());
    direct.push(await firstByteDirect());
  }
  return { run, direct };
}

async function main(): Promise<void> {
  const overshoot = await stopPastLimit();
  const python = realPython();
  const repl = await replRoundTrip(python);
  const bytes = await firstByte();
  const rows: Row[] = [
    { metric: `runaway tree (9 busy processes, one setsid) gone after its ${LIMIT_MS} ms limit, median`, median: median(overshoot), unit: 'ms' },
    { metric: 'the same, p95', median: p95(overshoot), unit: 'ms', budget: 1000 },
    { metric: 'REPL cell `1+1`, warm kernel', median: median(repl.cell), unit: 'ms', baseline: { name: `${python} -c 1+1`, median: median(repl.bare) } },
    {
      metric: 'first output byte of `sh -c "echo first"` through run.ts',
      median: median(bytes.run),
      unit: 'ms',
      baseline: { name: 'spawned directly', median: median(bytes.direct) },
    },
  ];
  printTable(`Hands: ${RUNS} runs each`, rows);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => dir.cleanup());
