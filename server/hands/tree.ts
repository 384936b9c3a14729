/**
 * A program and everything it starts, held as one tree with limits on the whole of it. The program
 * leads a process group of its own; the tree is that group, every descendant of a member (one that
 * called setsid to leave the group is still a child of someone in it), every process once seen in
 * the tree (a daemon whose parent exited is re-parented away, but Parley remembers it), and
 * everything in the tree's control group where Linux gives one. Every ~50 ms the tree's processes,
 * threads and resident memory are summed; past a limit the whole tree is killed. Stopping sends
 * SIGTERM to all of it, then SIGKILL until nothing is left.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { spawnGroup } from '../process/spawn';
import { createCgroup, joinCgroupArgv, type Cgroup } from './cgroup';
import { processTable, rssBytes, type ProcessInfo } from './procs';

export interface TreeLimits {
  /** Resident memory of the whole tree. */
  memoryBytes: number;
  /** Processes in the tree (a fork bomb passes this first). */
  maxProcesses: number;
  /** Threads of all its processes together (a thread bomb passes this first). */
  maxTasks: number;
}

export const DEFAULT_TREE_LIMITS: TreeLimits = { memoryBytes: 500 << 20, maxProcesses: 256, maxTasks: 1024 };

export type Breach = 'memory' | 'processes';

/**
 * Which of the kernel's limits back the polling: `auto` a control group where one can be made,
 * else an address-space rlimit; `rlimit` the rlimit alone; `none` polling alone.
 */
export type KernelLimits = 'auto' | 'rlimit' | 'none';

export interface TreeOptions {
  cwd: string;
  limits: TreeLimits;
  env?: NodeJS.ProcessEnv;
  extraEnv?: Record<string, string>;
  /** Default `auto`. */
  kernelLimits?: KernelLimits;
  /** A pipe on fd 3 for a control channel (the REPL kernels). */
  controlPipe?: boolean;
  /** Called once when the tree passed a limit; the tree is already being killed. */
  onBreach?: (breach: Breach) => void;
}

export interface TreeStats {
  processes: number;
  tasks: number;
  rssBytes: number;
}

const POLL_MS = 50;
const TASK_HEADROOM = 16;
const KILL_PASS_MS = 20;
const KILL_PASSES = 150;

export class ProcessTree {
  readonly child: ChildProcess;
  /** Resolves when the program itself (the tree's root) has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly pgid: number;
  private readonly cgroup: Cgroup | undefined;
  private readonly known = new Map<number, string>();
  private readonly poller: NodeJS.Timeout;
  private polling = false;
  private breach: Breach | undefined;
  private closed = false;
  private removed = false;
  /** The last figures a poll saw, for reports and benchmarks. */
  lastStats: TreeStats = { processes: 0, tasks: 0, rssBytes: 0 };

  constructor(
    program: string,
    args: readonly string[],
    private readonly options: TreeOptions,
  ) {
    // The kernel's task cap sits a little above the polled one, so that polling, which kills the
    // whole tree and says why, normally acts first, while the kernel holds a bomb meanwhile.
    const kernel = options.kernelLimits ?? 'auto';
    this.cgroup = kernel === 'auto' ? createCgroup({ memoryBytes: options.limits.memoryBytes, maxTasks: options.limits.maxTasks + TASK_HEADROOM }) : undefined;
    const [argv0, argv] = this.cgroup
      ? joinCgroupArgv(this.cgroup, program, args)
      : kernel === 'none'
        ? [program, args]
        : withAddressSpaceCap(options.limits.memoryBytes, program, args);
    this.child = spawnGroup(argv0, argv, {
      purpose: 'hands',
      cwd: options.cwd,
      env: options.env,
      extraEnv: options.extraEnv,
      controlPipe: options.controlPipe,
    });
    this.pgid = this.child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.once('error', () => resolve({ code: null, signal: null }));
    });
    this.poller = setInterval(() => void this.poll(), POLL_MS);
  }

  /** Which limit the tree passed, if any (the kernel's memory limit counts once it has killed). */
  get breached(): Breach | undefined {
    if (!this.breach && !this.removed && this.cgroup?.oomKilled()) this.breach = 'memory';
    return this.breach;
  }

  /** The tree's members now: one process table read. */
  async members(): Promise<ProcessInfo[]> {
    // A table that cannot be read (no ps) leaves the group and the root, which are signalled anyway.
    const table = await processTable().catch(() => new Map<number, ProcessInfo>());
    const inTree = new Map<number, ProcessInfo>();
    const add = (info: ProcessInfo | undefined) => info && inTree.set(info.pid, info);
    for (const info of table.values()) if (info.pgid === this.pgid) add(info);
    for (const [pid, start] of this.known) if (table.get(pid)?.startTime === start) add(table.get(pid));
    for (const pid of this.cgroup?.pids() ?? []) add(table.get(pid));
    // Descendants: parents before children is not guaranteed, so sweep until nothing is added.
    for (let grew = true; grew;) {
      grew = false;
      for (const info of table.values()) if (!inTree.has(info.pid) && inTree.has(info.ppid)) grew = Boolean(add(info));
    }
    for (const info of inTree.values()) this.known.set(info.pid, info.startTime);
    return [...inTree.values()];
  }

  /** Processes, threads and resident memory of the whole tree. */
  async stats(): Promise<TreeStats> {
    const members = await this.members();
    return {
      processes: members.length,
      tasks: members.reduce((sum, info) => sum + info.threads, 0),
      rssBytes: members.reduce((sum, info) => sum + rssBytes(info), 0),
    };
  }

  /**
   * Stops the whole tree: SIGTERM to all of it and, after `graceMs` (0: at once), SIGKILL until no
   * member is left. Resolves when the tree is empty (or after ~3 s of trying, which a tree that
   * cannot be killed would take).
   */
  async kill(graceMs: number): Promise<void> {
    if (graceMs > 0) {
      await this.signalAll('SIGTERM');
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && (await this.members()).length > 0) await pause(KILL_PASS_MS);
    }
    for (let pass = 0; pass < KILL_PASSES; pass++) {
      if ((await this.signalAll('SIGKILL')) === 0) return;
      await pause(KILL_PASS_MS);
    }
  }

  /** Kills what is left of the tree and releases its control group; the tree is not used again. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    await this.kill(0);
    void this.breached;
    this.removed = true;
    // A killed process stays in its group until it is reaped; the group can go only after.
    for (let pass = 0; pass < KILL_PASSES && (this.cgroup?.pids().length ?? 0) > 0; pass++) await pause(KILL_PASS_MS);
    this.cgroup?.remove();
  }

  /** Sends `signal` to the group and to every member; returns how many members there were. */
  private async signalAll(signal: NodeJS.Signals): Promise<number> {
    sendSignal(-this.pgid, signal);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const members = await this.members();
    for (const info of members) sendSignal(info.pid, signal);
    return members.length;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.breach || this.closed) return;
    this.polling = true;
    try {
      this.lastStats = await this.stats();
      const breach = this.overLimit(this.lastStats);
      if (breach) {
        this.breach = breach;
        this.options.onBreach?.(breach);
        await this.kill(0);
      }
    } finally {
      this.polling = false;
    }
  }

  private overLimit(stats: TreeStats): Breach | undefined {
    const { limits } = this.options;
    // Summed resident sizes count shared pages once per process, so they overstate a forked
    // tree's memory; where the kernel accounts the group's memory exactly, its word decides.
    if (this.cgroup?.limitsMemory ? this.cgroup.oomKilled() : stats.rssBytes > limits.memoryBytes) return 'memory';
    if (stats.processes > limits.maxProcesses || stats.tasks > limits.maxTasks) return 'processes';
    return undefined;
  }
}

/**
 * The command under `prlimit --as` (util-linux) where there is one. Address space overstates
 * memory many times over (V8 reserves 1–2 GB before it runs a line, Python with numpy some
 * 300 MB), so the cap sits well above the memory limit: it is a backstop against an allocation
 * faster than polling, each process's own, not the tree's limit.
 */
function withAddressSpaceCap(memoryBytes: number, program: string, args: readonly string[]): [string, readonly string[]] {
  if (PRLIMIT === undefined) return [program, args];
  const cap = Math.max(4 * memoryBytes, 4 * 2 ** 30);
  return [PRLIMIT, [`--as=${cap}`, '--', program, ...args]];
}

const PRLIMIT = process.platform === 'linux' ? ['/usr/bin/prlimit', '/bin/prlimit'].find((path) => existsSync(path)) : undefined;

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  if (pid === -1 || pid === 1 || pid === 0) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
