/**
 * One REPL kernel process and its protocol (kernels/python.py, kernels/node.mjs): JSON lines on
 * fd 3 for requests and replies, the cell's own output on stdout and stderr, each cell's output
 * ended by a random marker on both pipes so that every byte it wrote is read before its reply is
 * used. Nothing a cell prints can pass for a reply: replies never travel on its pipes.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TABLE_BOUNDS } from '../../protocol/cellTable';
import type { Stream } from './output';
import { ProcessTree, type TreeOptions } from './tree';

export interface CellError {
  name: string;
  message: string;
  traceback: string;
}

export interface KernelReply {
  type: 'ready' | 'done';
  id?: number;
  value?: string | null;
  error?: CellError;
  images?: string[];
  /** Tables the cell returned, as the kernel read them: checked against CellTableSchema before use. */
  tables?: unknown[];
  variables?: string[];
}

/** What a cell wrote and the kernel's reply (undefined when the kernel died during the cell). */
export interface Exchange {
  reply: KernelReply | undefined;
  stdout: string;
  stderr: string;
}

/** A cell that closed its stdout never shows the marker there: wait this long, not forever. */
const MARKER_WAIT_MS = 1_000;

/** Splits one pipe's text at a cell's marker, holding back only what could be the start of one. */
class MarkerScanner {
  private held = '';
  private marker = '';
  private seen: () => void = () => {};

  constructor(private readonly emit: (text: string) => void) {}

  /** Resolves once the marker has come through this pipe. */
  expect(marker: string): Promise<void> {
    this.marker = marker;
    return new Promise((resolve) => (this.seen = resolve));
  }

  push(text: string): void {
    let pending = this.held + text;
    this.held = '';
    const at = this.marker ? pending.indexOf(this.marker) : -1;
    if (at >= 0) {
      if (at > 0) this.emit(pending.slice(0, at));
      pending = pending.slice(at + this.marker.length);
      this.marker = '';
      this.seen();
    } else if (this.marker) {
      const keep = partialMarker(pending, this.marker);
      this.held = pending.slice(pending.length - keep);
      pending = pending.slice(0, pending.length - keep);
    }
    if (pending) this.emit(pending);
  }
}

/** How many characters at the end of `text` are the start of `marker`. */
function partialMarker(text: string, marker: string): number {
  for (let k = Math.min(text.length, marker.length - 1); k > 0; k--) if (text.endsWith(marker.slice(0, k))) return k;
  return 0;
}

export class Kernel {
  readonly tree: ProcessTree;
  private readonly control: Socket;
  private readonly scanners: Record<Stream, MarkerScanner>;
  private buffer = '';
  private readonly waiters = new Map<string, (reply: KernelReply) => void>();
  private nextId = 1;
  private sink: (stream: Stream, text: string) => void = () => {};

  constructor(program: string, args: readonly string[], options: Omit<TreeOptions, 'controlPipe'>) {
    this.tree = new ProcessTree(program, args, { ...options, controlPipe: true });
    this.control = this.tree.child.stdio[3] as Socket;
    this.scanners = { stdout: this.scanner('stdout'), stderr: this.scanner('stderr') };
    this.control.setEncoding('utf8');
    this.control.on('data', (chunk: string) => this.onControl(chunk));
    this.control.on('error', () => {});
  }

  /** Resolves once the kernel said it is ready; false if it exited or failed to start first. */
  async ready(): Promise<boolean> {
    const spawned = await new Promise<boolean>((done) => {
      this.tree.child.once('error', () => done(false));
      this.tree.child.once('spawn', () => done(true));
    });
    return spawned && (await this.reply('ready')) !== undefined;
  }

  /** Runs one cell: its output goes to `onOutput` as it comes; resolves once all of it is read. */
  async run(code: string, onOutput: (stream: Stream, text: string) => void): Promise<Exchange> {
    const written: Record<Stream, string[]> = { stdout: [], stderr: [] };
    this.sink = (stream, text) => {
      written[stream].push(text);
      onOutput(stream, text);
    };
    const id = this.nextId++;
    const marker = `\u001e${randomBytes(12).toString('hex')}\u001e`;
    const outputRead = Promise.all([this.scanners.stdout.expect(marker), this.scanners.stderr.expect(marker)]);
    const done = this.reply(`done:${id}`);
    this.control.write(JSON.stringify({ id, code, marker, tableBounds: TABLE_BOUNDS }) + '\n');
    const reply = await done;
    if (reply) await Promise.race([outputRead, this.tree.exited, new Promise((resolve) => setTimeout(resolve, MARKER_WAIT_MS))]);
    return { reply, stdout: written.stdout.join(''), stderr: written.stderr.join('') };
  }

  /** Resolves with the next reply of this type (and id); undefined if the kernel exits first. */
  private reply(key: string): Promise<KernelReply | undefined> {
    return new Promise((resolve) => {
      this.waiters.set(key, resolve);
      void this.tree.exited.then(() => resolve(undefined));
    });
  }

  private scanner(stream: Stream): MarkerScanner {
    const scanner = new MarkerScanner((text) => this.sink(stream, text));
    const pipe = this.tree.child[stream];
    pipe?.setEncoding('utf8');
    pipe?.on('data', (text: string) => scanner.push(text));
    return scanner;
  }

  private onControl(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
      const reply = JSON.parse(this.buffer.slice(0, newline)) as KernelReply;
      this.buffer = this.buffer.slice(newline + 1);
      const key = reply.type === 'done' ? `done:${reply.id}` : reply.type;
      this.waiters.get(key)?.(reply);
      this.waiters.delete(key);
    }
  }
}
