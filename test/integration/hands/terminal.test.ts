/**
 * An approved command in the terminal named "Parley", through the real server: the test plays
 * the editor, whose terminal is a real bash given the command line the extension would type
 * (extension/shellQuote.ts); the line starts the real runner (dist/terminalRun.js), which takes
 * the approved job from the server over its socket. The shell's own environment holds a key, as
 * a user's might: the command must not see it. What cannot run here is VS Code's terminal itself;
 * the e2e test (test/e2e/terminal.test.ts) covers that in code-server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { posixCommandLine } from '../../../extension/shellQuote';
import type { ServerFrame } from '../../../protocol/live';
import { CommandOutputNotification, type CommandOutput, type TerminalExecuteParams } from '../../../protocol/lsp';
import { connectLive, type LiveClient } from '../../support/live';
import { tempDir } from '../../support/paths';
import { waitFor } from '../../support/poll';
import { startModelServer, type TestServer } from '../../support/server';
import { startOpenAIStandIn } from '../../support/standins';

type Frame<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
const framesOf = <T extends ServerFrame['type']>(frames: ServerFrame[], type: T) => frames.filter((frame): frame is Frame<T> => frame.type === type);
const turnsOf = (frames: ServerFrame[]) => frames.flatMap((frame) => (frame.type === 'turn' ? [frame.turn] : []));
const nodeLine = (code: string) => `node -e ${JSON.stringify(code)}`;
const SHELL_KEY = 'sk-proj-shellEnvKeyThatMustNotReachCommands0123456789';

/** One run of the runner in the test's "terminal": the bash it ran in, and what bash printed. */
interface ShellRun {
  params: TerminalExecuteParams;
  shell: ChildProcess;
  printed: string;
  exitCode: Promise<number | null>;
}

/** Whether `pid` still runs: a zombie (dead, waiting for the system to reap it) does not. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('run_command in the terminal named "Parley"', () => {
  const dir = tempDir('hands-terminal');
  let workspace: string;
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;
  let runs: ShellRun[] = [];
  const mirrored: CommandOutput[] = [];

  /** The editor's terminal: bash runs the line the extension would type, with a key in its environment. */
  function typeIntoShell(params: TerminalExecuteParams): ShellRun {
    const line = posixCommandLine(params.argv, params.electronAsNode ? { ELECTRON_RUN_AS_NODE: '1' } : {});
    const shell = spawn('/bin/bash', ['-c', line], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_API_KEY: SHELL_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: ShellRun = { params, shell, printed: '', exitCode: new Promise((resolve) => shell.once('exit', resolve)) };
    shell.stdout!.on('data', (chunk: Buffer) => (run.printed += chunk.toString()));
    shell.stderr!.on('data', (chunk: Buffer) => (run.printed += chunk.toString()));
    runs.push(run);
    return run;
  }

  before(async () => {
    workspace = realpathSync(dir.path);
    model = await startOpenAIStandIn({ latency: { ttfbMs: 5, interTokenMs: 1 } });
    server = await startModelServer(workspace, model.baseURL);
    server.connection.onNotification(CommandOutputNotification.type, (output) => void mirrored.push(output));
  });
  beforeEach(() => {
    runs = [];
    server.terminalOpen = () => ({ ready: true, shell: 'bash' });
    server.terminalExecute = (params) => {
      typeIntoShell(params);
      return { executed: true };
    };
  });
  after(async () => {
    for (const run of runs) run.shell.kill('SIGKILL');
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  async function approveRun(command: string): Promise<{ live: LiveClient; seen: number; id: string }> {
    model.chat.push({ toolCalls: [{ name: 'run_command', input: { command, reason: 'To see' } }] }, { text: 'Done.' });
    const live = await connectLive(server);
    await waitFor(() => live.frames.some((frame) => frame.type === 'history'), { what: 'history' });
    const seen = live.frames.length;
    live.socket.send(JSON.stringify({ type: 'say', text: 'run it' }));
    const card = await waitFor(() => framesOf(live.frames.slice(seen), 'approval')[0], { what: 'the approval card' });
    live.socket.send(JSON.stringify({ type: 'approve', id: card.id, decision: 'run' }));
    return { live, seen, id: card.id };
  }
  const ended = (live: LiveClient, seen: number, id: string) =>
    waitFor(() => framesOf(live.frames.slice(seen), 'runEnd').find((frame) => frame.id === id), { what: 'the run to end', timeoutMs: 20_000 });
  const answered = (live: LiveClient, seen: number) =>
    waitFor(() => turnsOf(live.frames.slice(seen)).find((turn) => turn.role === 'assistant'), { what: 'the answer', timeoutMs: 20_000 });

  it('runs the approved command there, streams it to the card and the model, without the shell’s keys', async () => {
    const line = nodeLine("console.log('from the terminal', process.env.OPENAI_API_KEY ?? 'no key'); process.exit(3)");
    const { live, seen, id } = await approveRun(line);
    const end = await ended(live, seen, id);
    const answer = await answered(live, seen);
    live.socket.close();
    const frames = live.frames.slice(seen);
    const running = framesOf(frames, 'approvalState').filter((frame) => frame.id === id && frame.state === 'running');
    assert.deepEqual(running.at(-1)!.ranAs, { via: 'terminal' });
    assert.equal(end.outcome, 'error');
    assert.equal(end.exitCode, 3);
    const output = framesOf(frames, 'runOutput')
      .filter((frame) => frame.id === id)
      .map((frame) => frame.text)
      .join('');
    assert.match(output, /from the terminal no key/);
    assert.doesNotMatch(output, /shellEnvKey/);
    assert.match(answer.toolCalls[0]!.result!, /failed \(exit code 3, \d+ ms\)[\s\S]*from the terminal no key/);
    // What the user sees in the terminal: what runs and where, the output, how it ended; the shell gets the command's exit code.
    const [run] = runs;
    assert.equal(await run!.exitCode, 3);
    assert.match(run!.printed, /Parley runs: node -e .*\(in the workspace folder; approved in the Parley panel; limits 10 s, 500 MB; stdin closed\)/);
    assert.match(run!.printed, /from the terminal no key\n[\s\S]*\[error: exit 3, /);
    // Nothing the model wrote was typed into the shell: only Parley's runner and its socket.
    assert.equal(run!.params.argv.length, 3);
    assert.match(run!.params.argv[1]!, /terminalRun\.js$/);
    assert.match(run!.params.argv[2]!, /parley-run-[^/]+\/run\.sock$/);
    assert.equal(
      mirrored.some((output) => output.runId === id),
      false,
      'a command in the Parley terminal is not mirrored to "Parley output"',
    );
  });

  it('stops the whole tree within a second of Stop, and Ctrl+C in the terminal stops it too', async () => {
    const pidFile = join(workspace, 'tree.pid');
    const line = nodeLine(
      `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); console.log('started'); setInterval(() => {}, 1000)`,
    );
    for (const how of ['Stop', 'Ctrl+C'] as const) {
      const { live, seen, id } = await approveRun(line);
      await waitFor(() => framesOf(live.frames.slice(seen), 'runOutput').some((frame) => frame.text.includes('started')), { what: 'the command to print' });
      const grandchild = Number(readFileSync(pidFile, 'utf8'));
      const stopped = performance.now();
      // Ctrl+C in a terminal reaches its foreground job, the runner; the command leads a group of its own.
      if (how === 'Stop') live.socket.send(JSON.stringify({ type: 'stopRun', id }));
      else runs.at(-1)!.shell.kill('SIGINT');
      const end = await ended(live, seen, id);
      const tookMs = performance.now() - stopped;
      await answered(live, seen);
      live.socket.close();
      assert.equal(end.outcome, 'killed', how);
      assert.ok(tookMs < 1000, `${how}: stopped in ${Math.round(tookMs)} ms`);
      assert.equal(alive(grandchild), false, `${how}: the command's child is gone too`);
      if (how === 'Ctrl+C') assert.equal(end.reason, 'stopped in the terminal (Ctrl+C)');
      assert.equal(await runs.at(-1)!.exitCode, 130);
    }
  });

  it('stops the tree when the terminal is closed under it (the runner gets SIGHUP)', async () => {
    const { live, seen, id } = await approveRun(nodeLine("console.log('listening'); setInterval(() => {}, 1000)"));
    await waitFor(() => framesOf(live.frames.slice(seen), 'runOutput').some((frame) => frame.text.includes('listening')), { what: 'the command to print' });
    runs[0]!.shell.kill('SIGHUP');
    const end = await ended(live, seen, id);
    await answered(live, seen);
    live.socket.close();
    assert.equal(end.outcome, 'killed');
    assert.equal(end.reason, 'stopped: the terminal was closed');
  });

  it('takes a flood of output without hanging, keeping the card and the result bounded', async () => {
    // 64 MiB in 64 KiB writes, then a last line.
    const line = nodeLine("const b = 'y'.repeat(65535) + '\\n'; for (let i = 0; i < 1024; i++) process.stdout.write(b); console.log('flood done')");
    const { live, seen, id } = await approveRun(line);
    const end = await ended(live, seen, id);
    const answer = await answered(live, seen);
    live.socket.close();
    assert.equal(end.outcome, 'ok');
    const result = answer.toolCalls[0]!.result!;
    assert.ok(result.length <= 8_000, `the result is ${result.length} characters`);
    assert.match(result, /flood done/);
    assert.match(result, /bytes of earlier output left out/);
    assert.equal(await runs[0]!.exitCode, 0);
  });

  it('kills the command itself when the runner dies, and says so', async () => {
    const pidFile = join(workspace, 'orphan.pid');
    const { live, seen, id } = await approveRun(
      nodeLine(`require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.log('up'); setInterval(() => {}, 1000)`),
    );
    await waitFor(() => framesOf(live.frames.slice(seen), 'runOutput').some((frame) => frame.text.includes('up')), { what: 'the command to print' });
    const command = Number(readFileSync(pidFile, 'utf8'));
    runs[0]!.shell.kill('SIGKILL');
    // bash -c execs its last command, so the shell's pid is the runner's.
    const end = await ended(live, seen, id);
    await answered(live, seen);
    live.socket.close();
    assert.equal(end.outcome, 'error');
    assert.match(end.reason ?? '', /runner ended before the command did/);
    await waitFor(() => !alive(command) || undefined, { what: 'the command to be killed' });
  });

  it('runs it as a child process, saying why, when the terminal cannot take it or never starts the runner', async () => {
    server.terminalOpen = () => ({ unavailable: 'a command is still running in the terminal named "Parley", and Parley would interrupt it' });
    let { live, seen, id } = await approveRun(nodeLine("console.log('as a child')"));
    let end = await ended(live, seen, id);
    await answered(live, seen);
    live.socket.close();
    let running = framesOf(live.frames.slice(seen), 'approvalState').filter((frame) => frame.id === id && frame.state === 'running');
    assert.deepEqual(running.at(-1)!.ranAs, { via: 'child', why: 'a command is still running in the terminal named "Parley", and Parley would interrupt it' });
    assert.equal(end.outcome, 'ok');
    assert.equal(runs.length, 0);

    // The terminal says it ran the line, but no runner ever connects (a shell that swallowed it).
    server.terminalOpen = () => ({ ready: true });
    let swallowed: TerminalExecuteParams | undefined;
    server.terminalExecute = (params) => {
      swallowed = params;
      return { executed: true };
    };
    ({ live, seen, id } = await approveRun(nodeLine("console.log('after the wait')")));
    end = await ended(live, seen, id);
    await answered(live, seen);
    live.socket.close();
    running = framesOf(live.frames.slice(seen), 'approvalState').filter((frame) => frame.id === id && frame.state === 'running');
    assert.deepEqual(running[0]!.ranAs, { via: 'terminal' });
    assert.deepEqual(running.at(-1)!.ranAs, { via: 'child', why: 'the terminal named "Parley" did not start Parley\'s runner within 5 s' });
    assert.equal(end.outcome, 'ok');
    assert.match(
      framesOf(live.frames.slice(seen), 'runOutput')
        .map((frame) => frame.text)
        .join(''),
      /after the wait/,
    );
    // A runner that starts after all runs nothing: the command already ran elsewhere.
    const late = typeIntoShell(swallowed!);
    assert.equal(await late.exitCode, 1);
    assert.match(late.printed, /This run is over: Parley no longer waits for it/);
    assert.doesNotMatch(late.printed, /after the wait/);
  });

  it('runs it as a child process when the editor answers about its terminal in a shape Parley cannot read', async () => {
    const unreadable = 'the editor gave an answer about its terminal that Parley cannot read';
    for (const broken of ['open', 'execute'] as const) {
      if (broken === 'open') server.terminalOpen = () => ({ ready: 'yes' }) as never;
      else server.terminalExecute = () => ({ executed: 1, argv: ['rm', '-rf', '/'] }) as never;
      const { live, seen, id } = await approveRun(nodeLine(`console.log('read ${broken}')`));
      const end = await ended(live, seen, id);
      await answered(live, seen);
      live.socket.close();
      const running = framesOf(live.frames.slice(seen), 'approvalState').filter((frame) => frame.id === id && frame.state === 'running');
      assert.deepEqual(running.at(-1)!.ranAs, { via: 'child', why: unreadable }, broken);
      assert.equal(end.outcome, 'ok', broken);
      assert.equal(runs.length, 0, broken);
    }
  });
});
