/**
 * Parley's terminal runner (bundled as dist/terminalRun.js): what the terminal named "Parley"
 * runs, through shell integration, for a command the user approved. Its one argument is the run's
 * Unix socket, in a folder only this user can open; the command comes from the server over it,
 * never from the shell's command line, so nothing the model wrote is ever parsed by a shell.
 *
 * It runs the job exactly as the server would (run.ts: its own process group, the hands
 * environment the server built rather than the shell's, the time, memory and process limits on
 * the whole tree, stdin closed), prints the output in the terminal as it comes, streams it to the
 * server, and ends with the command's exit code. Stop in the panel, Ctrl+C in the terminal,
 * closing the terminal and the server going away each stop the whole tree.
 */
import { connect } from 'node:net';
import { errorMessage } from '../log';
import { runCommand, type CommandResult } from './run';
import {
  footerText,
  headerText,
  lineOf,
  lineReader,
  RED,
  RESET,
  runnerExitCode,
  ServerLineSchema,
  WIRE_CHUNK_CHARS,
  type Job,
  type RunnerLine,
} from './terminalWire';

function main(socketPath: string | undefined): void {
  if (!socketPath) {
    process.stderr.write('This is Parley\'s terminal runner: Parley starts it in the terminal named "Parley" for a command you approved.\n');
    process.exitCode = 2;
    return;
  }
  const socket = connect(socketPath);
  const stop = new AbortController();
  let ended = false;
  let started = false;
  let atLineStart = true;
  const send = (line: RunnerLine) => {
    if (!socket.destroyed) socket.write(lineOf(line));
  };
  const finish = (code: number, message?: string) => {
    ended = true;
    if (message) process.stderr.write(message);
    process.exitCode = code;
    socket.end();
  };

  async function run(job: Job): Promise<void> {
    started = true;
    process.stdout.write(headerText(job));
    let result: CommandResult;
    try {
      result = await runCommand({
        program: job.program,
        args: job.args,
        cwd: job.cwd,
        workspaceFolders: job.workspaceFolders,
        timeoutMs: job.timeoutMs,
        limits: { memoryBytes: job.memoryBytes },
        env: job.env,
        signal: stop.signal,
        onStart: (group) => send({ type: 'started', pid: process.pid, group }),
        onOutput: ({ stream, text }) => {
          (stream === 'stdout' ? process.stdout : process.stderr).write(text);
          if (text) atLineStart = text.endsWith('\n');
          for (let at = 0; at < text.length; at += WIRE_CHUNK_CHARS) send({ type: 'output', stream, text: text.slice(at, at + WIRE_CHUNK_CHARS) });
        },
      });
    } catch (error) {
      send({ type: 'refused', reason: errorMessage(error) });
      return finish(1, `${RED}Parley did not run it: ${errorMessage(error)}${RESET}\n`);
    }
    process.stdout.write((atLineStart ? '' : '\n') + footerText(result));
    send({ type: 'end', result });
    finish(runnerExitCode(result));
  }

  const read = lineReader(
    ServerLineSchema,
    (line) => {
      if (line.type === 'stop') stop.abort('stopped in the Parley panel');
      else if (!started) void run(line);
    },
    (why) => {
      stop.abort(`Parley's server sent ${why}`);
      socket.destroy();
    },
  );
  socket.setEncoding('utf8');
  socket.on('data', read);
  socket.on('error', (error) => {
    if (!started) finish(1, `${RED}This run is over: Parley no longer waits for it (${error.message}). Ask again in the Parley panel.${RESET}\n`);
  });
  socket.on('close', () => {
    if (!ended) stop.abort("Parley's server went away");
  });
  // Ctrl+C in the terminal reaches the runner only (the command leads a process group of its own).
  process.on('SIGINT', () => stop.abort('stopped in the terminal (Ctrl+C)'));
  process.on('SIGTERM', () => stop.abort('stopped: the runner was asked to end'));
  process.on('SIGHUP', () => stop.abort('stopped: the terminal was closed'));
}

main(process.argv[2]);
