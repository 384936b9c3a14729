/**
 * Approval → first output byte in the panel: the built server runs over stdio in a trusted
 * workspace with the OpenAI-compatible stand-in as its model, which asks for a command with
 * run_command; the bench plays the panel on the live WebSocket, approves the card, and times from
 * sending the `approve` frame to the arrival of the card's first `runOutput` frame. "In the panel"
 * is the panel's WebSocket: the webview's rendering of the frame is not included. The baseline,
 * interleaved with it, is the same command spawned directly until its first byte on stdout.
 *
 * Two ways: as a child process of the server (an editor without a terminal for Parley), and in
 * the terminal named "Parley", which the bench plays as the integration test does: bash runs the
 * command line the extension would type (extension/shellQuote.ts), which starts the real runner.
 * VS Code's own part (typing into the terminal, its shell integration) is not included.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { posixCommandLine } from '../extension/shellQuote';
import { LIVE_MAX_TURNS_PER_SECOND, type ServerFrame } from '../protocol/live';
import { connectLive, type LiveClient } from '../test/support/live';
import { tempDir } from '../test/support/paths';
import { startModelServer } from '../test/support/server';
import { startOpenAIStandIn } from '../test/support/standins';

/** Samples run first and discarded: the first turns load the tool path and warm the connections. */
const WARM_UP = 3;
const FRAME_TIMEOUT_MS = 20_000;

export interface PanelFirstByte {
  panel: number[];
  direct: number[];
}

type Match<T> = (frame: ServerFrame) => T | undefined;

/** The panel's side of the live socket, with the moment each text frame arrived (not polled). */
class Panel {
  readonly #arrivals = new WeakMap<ServerFrame, number>();
  #saidAt = -Infinity;
  readonly #waiters = new Set<() => void>();

  constructor(readonly live: LiveClient) {
    // Registered after connectLive's own listener, so the frame just read is the last one in live.frames.
    live.socket.on('message', (_data, isBinary) => {
      if (isBinary) return;
      this.#arrivals.set(live.frames.at(-1)!, performance.now());
      for (const wake of this.#waiters) wake();
    });
  }

  /** Types `text` as the user, no faster than the server takes typed turns from one panel (it refuses the rest). */
  async say(text: string): Promise<void> {
    await sleep(Math.max(0, this.#saidAt + 1000 / LIVE_MAX_TURNS_PER_SECOND - performance.now()));
    this.#saidAt = performance.now();
    this.live.socket.send(JSON.stringify({ type: 'say', text }));
  }

  get seen(): number {
    return this.live.frames.length;
  }

  /** The first frame from index `from` on that `match` accepts, and when it arrived. */
  next<T>(from: number, match: Match<T>, what: string): Promise<{ value: T; at: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`Timed out after ${FRAME_TIMEOUT_MS} ms waiting for ${what}`))), FRAME_TIMEOUT_MS);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      const check = () => {
        for (let index = from; index < this.live.frames.length; index++) {
          const value = match(this.live.frames[index]!);
          if (value !== undefined) return finish(() => resolve({ value, at: this.#arrivals.get(this.live.frames[index]!) ?? Number.NaN }));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }
}

/** A command line as run_command takes it: one program and its words, quoted, no shell. */
export const commandLine = (argv: string[]) => argv.map((word) => (/^[\w./-]+$/.test(word) ? word : JSON.stringify(word))).join(' ');

/** One card: the model asks, the panel approves, and the run's first output frame is timed. */
async function throughPanel(panel: Panel, model: Awaited<ReturnType<typeof startOpenAIStandIn>>, argv: string[]): Promise<number> {
  model.chat.push({ toolCalls: [{ name: 'run_command', input: { command: commandLine(argv), reason: 'To see what it prints' } }] }, { text: 'It printed x.' });
  const seen = panel.seen;
  await panel.say('run it');
  const card = await panel.next(seen, (frame) => (frame.type === 'approval' || frame.type === 'notice' ? frame : undefined), 'the approval card');
  // A notice instead of a card: the turn was refused (too fast, no provider); the bench must not measure around it.
  if (card.value.type === 'notice') throw new Error(`No approval card: ${card.value.message}`);
  const id = card.value.id;
  const approved = performance.now();
  panel.live.socket.send(JSON.stringify({ type: 'approve', id, decision: 'run' }));
  const first = await panel.next(seen, (frame) => (frame.type === 'runOutput' && frame.id === id ? frame : undefined), 'the first output frame');
  await panel.next(seen, (frame) => (frame.type === 'turn' && frame.turn.role === 'assistant' ? frame : undefined), 'the answer');
  return first.at - approved;
}

/** The same command spawned directly: spawn → its first byte on stdout; resolves once it has exited. */
function spawnedDirectly(argv: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = 0;
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => (first = performance.now() - started));
    child.once('error', reject);
    child.once('close', () => (first ? resolve(first) : reject(new Error(`${commandLine(argv)} printed nothing`))));
  });
}

export type RunsAs = 'child' | 'terminal';

/** `runs` measured samples of each, interleaved, after WARM_UP discarded ones, for each command in `commands`. */
export async function approvalToPanel(runs: number, commands: string[][], via: RunsAs = 'child'): Promise<PanelFirstByte[]> {
  const dir = tempDir('bench-hands-panel');
  const workspace = realpathSync(dir.path);
  const model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 1 } });
  const server = await startModelServer(workspace, model.baseURL);
  if (via === 'terminal') {
    server.terminalOpen = () => ({ ready: true, shell: 'bash' });
    server.terminalExecute = ({ argv, electronAsNode }) => {
      spawn('/bin/bash', ['-c', posixCommandLine(argv, electronAsNode ? { ELECTRON_RUN_AS_NODE: '1' } : {})], { stdio: 'ignore' });
      return { executed: true };
    };
  }
  const panel = new Panel(await connectLive(server));
  try {
    await panel.next(0, (frame) => (frame.type === 'history' ? frame : undefined), 'the history');
    const results: PanelFirstByte[] = [];
    for (const argv of commands) {
      const result: PanelFirstByte = { panel: [], direct: [] };
      for (let sample = 0; sample < WARM_UP + runs; sample++) {
        const viaPanel = await throughPanel(panel, model, argv);
        const direct = await spawnedDirectly(argv, workspace);
        if (sample < WARM_UP) continue;
        result.panel.push(viaPanel);
        result.direct.push(direct);
      }
      results.push(result);
    }
    return results;
  } finally {
    panel.live.socket.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  }
}
