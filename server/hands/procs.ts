/**
 * The machine's process table, as much of it as a command's tree needs: who is whose parent, which
 * group each is in, how many threads and how much resident memory. Linux reads /proc (no program
 * to start, a few milliseconds); elsewhere `ps` answers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { runChild } from '../process/spawn';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Tells a process from a later one given the same pid. */
  startTime: string;
  threads: number;
  /** Resident memory in bytes; undefined until asked for (Linux reads it only for a tree's members). */
  rssBytes?: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Parses /proc/<pid>/stat; undefined for a zombie, which holds no memory and cannot be killed again. */
export function parseStat(pid: number, stat: string): ProcessInfo | undefined {
  // The command name (field 2) is in parentheses and may hold spaces and parentheses of its own.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), threads: Number(fields[17]), startTime: fields[19]! };
}

function linuxTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readText(`/proc/${name}/stat`);
    const info = stat === undefined ? undefined : parseStat(Number(name), stat);
    if (info) table.set(info.pid, info);
  }
  return table;
}

async function psTable(): Promise<Map<number, ProcessInfo>> {
  const table = new Map<number, ProcessInfo>();
  const out = await runChild('ps', ['-A', '-o', 'pid=,ppid=,pgid=,rss=,lstart='], { purpose: 'hands', timeoutMs: 5_000, maxBufferBytes: 16 << 20 });
  for (const line of out.split('\n')) {
    const [pid, ppid, pgid, rss, ...start] = line.trim().split(/\s+/);
    if (!pid || !/^\d+$/.test(pid)) continue;
    table.set(Number(pid), { pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), threads: 1, rssBytes: Number(rss) * 1024, startTime: start.join(' ') });
  }
  return table;
}

/** Every live process on the machine, by pid. */
export function processTable(platform = process.platform): Promise<Map<number, ProcessInfo>> {
  return platform === 'linux' ? Promise.resolve(linuxTable()) : psTable();
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function rssBytes(info: ProcessInfo): number {
  if (info.rssBytes !== undefined) return info.rssBytes;
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readText(`/proc/${info.pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : 0;
}
