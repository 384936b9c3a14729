/**
 * Hands figures: how long past its limit a runaway tree takes to stop (p95; budget 1 s), a REPL
 * cell's round trip for `1+1` in a warm kernel against a bare `python -c 1+1` with the same
 * interpreter, the time to the first output byte through run.ts against spawning the same
 * command directly, and the time from approving a card to its first output at the panel's
 * WebSocket (the built server, bench/handsPanel.ts) against the same command spawned directly,
 * all in the same run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { Repl } from '../server/hands/repl';
import { runCommand } from '../server/hands/run';
import { tempDir } from '../test/support/paths';
import { approvalToPanel, commandLine, type RunsAs } from './handsPanel';
import { median, percentile, printTable, type Row } from './stats';

const RUNS = Number(process.env.BENCH_HANDS_RUNS ?? 20);
const LIMIT_MS = 500;
const dir = tempDir('bench-hands');
const workspace = { cwd: dir.path, workspaceFolders: [dir.path] };

/** Commands the model asks for through the panel: one whose output goes out with its end, one still running when it printed. */
const PANEL_COMMANDS = [
  { argv: ['printf', 'x'], says: 'prints and exits' },
  { argv: ['sh', '-c', 'printf x; exec sleep 0.2'], says: 'prints and keeps running' },
];

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

/** Median, p95 and the ratio of medians of approval → first output frame against a direct spawn's first byte. */
function panelRows(command: (typeof PANEL_COMMANDS)[number], times: { panel: number[]; direct: number[] }, via: RunsAs): Row[] {
  const how = via === 'terminal' ? 'in the terminal named "Parley"' : 'as a child process';
  const metric = `approve → first output at the panel's WebSocket, ${how}, \`${commandLine(command.argv)}\` (${command.says})`;
  return [
    { metric: `${metric}, median`, median: median(times.panel), unit: 'ms', baseline: { name: 'spawned directly, first byte', median: median(times.direct) } },
    {
      metric: 'the same, p95',
      median: percentile(times.panel, 95),
      unit: 'ms',
      baseline: { name: 'spawned directly, p95', median: percentile(times.direct, 95) },
    },
  ];
}

async function main(): Promise<void> {
  const overshoot = await stopPastLimit();
  const python = realPython();
  const repl = await replRoundTrip(python);
  const bytes = await firstByte();
  const argvs = PANEL_COMMANDS.map((command) => command.argv);
  const child = await approvalToPanel(RUNS, argvs, 'child');
  const terminal = await approvalToPanel(RUNS, argvs, 'terminal');
  const rows: Row[] = [
    { metric: `runaway tree (9 busy processes, one setsid) gone after its ${LIMIT_MS} ms limit, median`, median: median(overshoot), unit: 'ms' },
    { metric: 'the same, p95', median: percentile(overshoot, 95), unit: 'ms', budget: 1000 },
    { metric: 'REPL cell `1+1`, warm kernel', median: median(repl.cell), unit: 'ms', baseline: { name: `${python} -c 1+1`, median: median(repl.bare) } },
    {
      metric: 'first output byte of `sh -c "echo first"` through run.ts',
      median: median(bytes.run),
      unit: 'ms',
      baseline: { name: 'spawned directly', median: median(bytes.direct) },
    },
    ...child.flatMap((times, index) => panelRows(PANEL_COMMANDS[index]!, times, 'child')),
    ...terminal.flatMap((times, index) => panelRows(PANEL_COMMANDS[index]!, times, 'terminal')),
  ];
  printTable(`Hands: ${RUNS} runs each`, rows);
  console.log("\n\"In the panel\" is the panel's WebSocket: the frame's arrival there, not the webview's rendering of it.");
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => dir.cleanup());
