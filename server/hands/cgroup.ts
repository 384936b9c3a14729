/**
 * The kernel's own limits for a command's tree, where Linux lets Parley set them: a control group
 * with a cap on its tasks (pids.max, which holds a fork bomb even for root, whom RLIMIT_NPROC does
 * not bind) and on its memory. Found, never assumed: cgroup v1 with writable pids and memory
 * hierarchies (a root or a container), or v2 with a delegated subtree (a desktop's systemd user
 * slice). Each group is made inside Parley's own group of that controller, so the tree stays
 * within whatever limits Parley itself runs under. Where none can be made, polling (tree.ts) is
 * the defence alone.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  memoryBytes: number;
  maxTasks: number;
}

/** One control group holding one tree. */
export interface Cgroup {
  /** The files a process writes its pid into to join (one per hierarchy). */
  readonly procsFiles: string[];
  /** Whether the kernel holds the group's memory (then it, not the sum of resident sizes, is the measure). */
  readonly limitsMemory: boolean;
  /** The pids in the group now. */
  pids(): number[];
  /** Whether the kernel killed a process of the group for memory. */
  oomKilled(): boolean;
  /** Removes the group (once empty); quiet when it cannot. */
  remove(): void;
}

const ROOT = '/sys/fs/cgroup';
let counter = 0;

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function pidsOf(dir: string): number[] {
  return read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
}

function counterOf(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Where this process sits in each hierarchy, from /proc/self/cgroup: controller (or '' for v2) → path. */
function ownGroups(): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of read('/proc/self/cgroup').split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    for (const controller of controllers!.split(',')) groups.set(controller, path);
  }
  return groups;
}

function makeGroup(parent: string, name: string, settings: Record<string, string>): string | undefined {
  const dir = join(parent, name);
  try {
    mkdirSync(dir);
    for (const [file, value] of Object.entries(settings)) writeFileSync(join(dir, file), value);
    return dir;
  } catch {
    removeGroup(dir);
    return undefined;
  }
}

function removeGroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not made, or not empty yet: a leftover empty group costs nothing and is gone at reboot.
  }
}

function v1(groups: Map<string, string>, name: string, limits: CgroupLimits): Cgroup | undefined {
  const pidsParent = groups.has('pids') ? join(ROOT, 'pids', groups.get('pids')!) : undefined;
  const memoryParent = groups.has('memory') ? join(ROOT, 'memory', groups.get('memory')!) : undefined;
  const pids = pidsParent && existsSync(pidsParent) ? makeGroup(pidsParent, name, { 'pids.max': String(limits.maxTasks) }) : undefined;
  const memory = memoryParent && existsSync(memoryParent) ? makeGroup(memoryParent, name, { 'memory.limit_in_bytes': String(limits.memoryBytes) }) : undefined;
  const dirs = [pids, memory].filter((dir): dir is string => dir !== undefined);
  if (dirs.length === 0) return undefined;
  return {
    procsFiles: dirs.map((dir) => join(dir, 'cgroup.procs')),
    limitsMemory: memory !== undefined,
    pids: () => [...new Set(dirs.flatMap(pidsOf))],
    oomKilled: () => memory !== undefined && counterOf(read(join(memory, 'memory.oom_control')), 'oom_kill') > 0,
    remove: () => dirs.forEach(removeGroup),
  };
}

function v2(path: string, name: string, limits: CgroupLimits): Cgroup | undefined {
  const parent = join(ROOT, path);
  const enabled = read(join(parent, 'cgroup.subtree_control')).split(/\s+/);
  if (!enabled.includes('pids') && !enabled.includes('memory')) return undefined;
  const settings: Record<string, string> = {};
  if (enabled.includes('pids')) settings['pids.max'] = String(limits.maxTasks);
  if (enabled.includes('memory')) settings['memory.max'] = String(limits.memoryBytes);
  const dir = makeGroup(parent, name, settings);
  if (!dir) return undefined;
  return {
    procsFiles: [join(dir, 'cgroup.procs')],
    limitsMemory: 'memory.max' in settings,
    pids: () => pidsOf(dir),
    oomKilled: () => counterOf(read(join(dir, 'memory.events')), 'oom_kill') > 0,
    remove: () => removeGroup(dir),
  };
}

/** A new control group with these limits, or undefined where this system gives Parley none. */
export function createCgroup(limits: CgroupLimits, platform = process.platform): Cgroup | undefined {
  if (platform !== 'linux') return undefined;
  const groups = ownGroups();
  const name = `parley-${process.pid}-${++counter}`;
  if (groups.has('pids') || groups.has('memory')) return v1(groups, name, limits);
  const unified = groups.get('');
  return unified !== undefined && existsSync(join(ROOT, 'cgroup.controllers')) ? v2(unified, name, limits) : undefined;
}

/**
 * The program and arguments that join the groups before anything of the command runs, so not even
 * its first fork is outside them. The shell runs a fixed script; the command's own words are
 * passed as its positional parameters and never parsed.
 */
export function joinCgroupArgv(cgroup: Cgroup, program: string, args: readonly string[]): [string, string[]] {
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"';
  return ['/bin/sh', ['-c', script, 'parley-cgroup', ...cgroup.procsFiles, '--', program, ...args]];
}
