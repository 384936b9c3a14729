/**
 * An approved command run in the terminal named "Parley": a real shell the user keeps working in,
 * reached through VS Code's shell integration. The server never types the command into that
 * shell. It opens a Unix socket in a new folder only this user can open, asks the extension to run
 * Parley's terminal runner (terminalRun.ts) there with the socket as its one argument, and gives
 * the approved job to the runner that connects. The runner runs it as runCommand does (the same
 * tree, limits and keyless environment, whatever the shell's own environment holds) and streams
 * the output back; the server stops it on Stop, and kills its process group itself if the runner
 * goes silent.
 *
 * When the terminal cannot take it (no shell integration, a shell Parley cannot address, a command
 * of the user's still running there) or the runner does not connect in time, nothing ran, and the
 * caller runs it as a child process instead, saying why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalExecuteResultSchema, TerminalOpenResultSchema } from '../../protocol/params';
import type { RanAs } from '../../protocol/serverFrames';
import { errorMessage } from '../log';
import { childEnv } from '../process/env';
import { BoundedCapture, stripAnsi } from './output';
import { processTable, type ProcessInfo } from './procs';
import { confineCwd, STOP_GRACE_MS, type CommandOptions, type CommandResult } from './run';
import { DEFAULT_TREE_LIMITS } from './tree';
import { lineOf, lineReader, RunnerLineSchema, type Job, type RunnerLine } from './terminalWire';

/** What the server needs from the extension's terminal named "Parley" (extension/terminalShell.ts). */
export interface TerminalShell {
  /** Answers are read with their schemas: they come from another process. */
  open(): Promise<unknown>;
  execute(runId: string, argv: string[], electronAsNode: boolean): Promise<unknown>;
}

export interface TerminalRunOptions extends CommandOptions {
  runId: string;
  /** The command line and folder as the card shows them. */
  command: string;
  cwdShown: string;
  /** How to start the runner: default this runtime with dist/terminalRun.js beside the server's bundle. */
  runner?: { argv: string[]; electronAsNode: boolean };
  /** How long the runner may take to connect after the shell was given it (default 5 s). */
  startTimeoutMs?: number;
}

export type TerminalRunResult = (CommandResult & { via: 'terminal' }) | { notStarted: string };

export const TERMINAL_START_TIMEOUT_MS = 5_000;
const UNREADABLE_ANSWER = 'the editor gave an answer about its terminal that Parley cannot read';
/** How long the extension may take to say whether the terminal is ready (it waits up to 5 s for a new shell's integration). */
const OPEN_TIMEOUT_MS = 10_000;
/** After the time limit, how long the runner has to report before the server kills the command's group itself. */
const RUNNER_GRACE_MS = 3_000;

/** The runner bundled beside the server (dist/terminalRun.js), started with this runtime. */
export function defaultRunner(): { argv: string[]; electronAsNode: boolean } {
  return { argv: [process.execPath, join(__dirname, 'terminalRun.js')], electronAsNode: process.versions.electron !== undefined };
}

/**
 * How the next approved command will run: in the terminal when it can take one now, else as a
 * child process, with the reason. Asked after approval, so no terminal opens for a denied command.
 */
export async function terminalRanAs(shell: TerminalShell | undefined): Promise<RanAs> {
  if (!shell) return { via: 'child', why: 'there is no editor to give it a terminal' };
  if (process.platform === 'win32') return { via: 'child', why: 'Parley runs commands in its terminal on Linux and macOS only so far' };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ unavailable: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ unavailable: `the editor did not say within ${OPEN_TIMEOUT_MS / 1000} s whether its terminal named "Parley" is ready` }),
      OPEN_TIMEOUT_MS,
    );
  });
  const opened = await Promise.race([
    shell.open().catch((error: unknown) => ({ unavailable: `the editor could not open its terminal named "Parley" (${errorMessage(error)})` })),
    late,
  ]).finally(() => clearTimeout(timer));
  const parsed = TerminalOpenResultSchema.safeParse(opened);
  if (!parsed.success) return { via: 'child', why: UNREADABLE_ANSWER };
  return 'unavailable' in parsed.data ? { via: 'child', why: parsed.data.unavailable } : { via: 'terminal' };
}

/** Runs one approved command in the terminal (terminalRanAs said it can), or says why it did not start there (then nothing ran). */
export async function runInTerminal(shell: TerminalShell, options: TerminalRunOptions): Promise<TerminalRunResult> {
  const cwd = confineCwd(options.cwd, options.workspaceFolders);
  const dir = mkdtempSync(join(tmpdir(), 'parley-run-'));
  const socketPath = join(dir, 'run.sock');
  const job: Job = {
    type: 'job',
    runId: options.runId,
    command: options.command,
    cwdShown: options.cwdShown,
    program: options.program,
    args: [...options.args],
    cwd,
    workspaceFolders: [...options.workspaceFolders],
    timeoutMs: options.timeoutMs,
    memoryBytes: options.limits?.memoryBytes ?? DEFAULT_TREE_LIMITS.memoryBytes,
    env: Object.fromEntries(Object.entries(childEnv('hands', options.env)).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  };
  const startTimeoutMs = options.startTimeoutMs ?? TERMINAL_START_TIMEOUT_MS;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    const connected = waitForRunner(server, startTimeoutMs);
    const runner = options.runner ?? defaultRunner();
    const executed = TerminalExecuteResultSchema.safeParse(
      await shell.execute(options.runId, [...runner.argv, socketPath], runner.electronAsNode).catch((error: unknown) => ({ unavailable: errorMessage(error) })),
    );
    if (!executed.success) return { notStarted: UNREADABLE_ANSWER };
    if ('unavailable' in executed.data) return { notStarted: executed.data.unavailable };
    const socket = await connected;
    if (!socket) return { notStarted: `the terminal named "Parley" did not start Parley's runner within ${startTimeoutMs / 1000} s` };
    return { ...(await talk(socket, job, options)), via: 'terminal' };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first connection within `timeoutMs`; the socket takes no other, and none after. */
function waitForRunner(server: Server, timeoutMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.close();
      resolve(undefined);
    }, timeoutMs);
    server.once('connection', (socket) => {
      clearTimeout(timer);
      server.close();
      server.on('connection', (late) => late.destroy());
      resolve(socket);
    });
  });
}

/** Gives the runner its job and follows it to the end. */
function talk(socket: Socket, job: Job, options: TerminalRunOptions): Promise<CommandResult> {
  const started = performance.now();
  const half = (options.captureChars ?? 64 * 1024) / 2;
  const capture = new BoundedCapture(half, half);
  let group: number | undefined;
  return new Promise<CommandResult>((resolve) => {
    let done = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (result: CommandResult) => {
      if (done) return;
      done = true;
      clearTimeout(limitTimer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    /** The runner is gone or silent: its command's group is killed here, and what was seen is the result. */
    const lost = (reason: string, outcome: CommandResult['outcome'] = 'error') => {
      if (done) return;
      if (group !== undefined) killGroup(group);
      finish({
        outcome,
        exitCode: null,
        signal: null,
        ms: Math.round(performance.now() - started),
        output: stripAnsi(capture.tailText()),
        truncatedBytes: capture.bytesBeforeTail,
        reason,
      });
    };
    const onAbort = () => {
      socket.write(lineOf({ type: 'stop' }));
      killTimer ??= setTimeout(() => lost('stopped by the user', 'killed'), STOP_GRACE_MS + RUNNER_GRACE_MS);
    };
    const limitTimer = setTimeout(() => {
      socket.write(lineOf({ type: 'stop' }));
      killTimer ??= setTimeout(() => lost(`stopped after the ${options.timeoutMs} ms time limit`, 'timeout'), RUNNER_GRACE_MS);
    }, options.timeoutMs + RUNNER_GRACE_MS);
    const onLine = (line: RunnerLine) => {
      // The group is killed only if it is the runner's own child: a runner cannot point the server at anyone else's processes.
      if (line.type === 'started') void childGroupOf(line.pid, line.group).then((own) => (group = own));
      else if (line.type === 'output') {
        capture.push(line.text);
        options.onOutput?.({ stream: line.stream, text: line.text });
      } else if (line.type === 'end') finish({ ...line.result, signal: line.result.signal as NodeJS.Signals | null });
      else finish({ outcome: 'error', exitCode: null, signal: null, ms: 0, output: line.reason, truncatedBytes: 0, reason: 'Parley did not run it' });
    };
    socket.setEncoding('utf8');
    socket.on(
      'data',
      lineReader(RunnerLineSchema, onLine, (why) => lost(`the terminal runner sent ${why}`)),
    );
    socket.on('close', () => lost('the terminal runner ended before the command did (was the terminal closed?)'));
    socket.on('error', () => undefined);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    socket.write(lineOf(job));
  });
}

/** `group` when its leader is a child of `runner`, as the command the runner started is. */
async function childGroupOf(runner: number, group: number): Promise<number | undefined> {
  const leader = (await processTable().catch(() => new Map<number, ProcessInfo>())).get(group);
  return leader && leader.ppid === runner && leader.pgid === group ? group : undefined;
}

function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
