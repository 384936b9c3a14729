/**
 * The socket between the server and Parley's terminal runner (server/hands/terminalWire.ts,
 * terminalJob.ts): lines are read with their schemas, and a runner that sends something else (not
 * JSON, a wrong shape, a line without end) ends the run with the reason, its command's group
 * killed; the runner's exit codes are a shell's.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { realpathSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runInTerminal, type TerminalShell } from '../../../server/hands/terminalJob';
import { lineReader, MAX_LINE_CHARS, RunnerLineSchema, runnerExitCode, type RunnerLine } from '../../../server/hands/terminalWire';
import { tempDir } from '../../support/paths';

function read(chunks: string[]): { lines: RunnerLine[]; bad: string[] } {
  const lines: RunnerLine[] = [];
  const bad: string[] = [];
  const feed = lineReader(
    RunnerLineSchema,
    (line) => lines.push(line),
    (why) => bad.push(why),
  );
  for (const chunk of chunks) feed(chunk);
  return { lines, bad };
}

/** A "terminal" whose runner is the test: it connects to the socket and sends `send`. */
function rogueRunner(send: string): TerminalShell {
  return {
    open: async () => ({ ready: true }),
    execute: async (_runId, argv) => {
      const socket = connect(argv.at(-1)!);
      socket.on('connect', () => socket.write(send));
      socket.on('error', () => undefined);
      return { executed: true };
    },
  };
}

describe('the terminal runner socket', () => {
  it('reads lines split across chunks and several in one chunk', () => {
    const { lines, bad } = read(['{"type":"out', 'put","stream":"stdout","text":"a"}\n{"type":"started","pid":5,', '"group":6}\n']);
    assert.deepEqual(bad, []);
    assert.deepEqual(lines, [
      { type: 'output', stream: 'stdout', text: 'a' },
      { type: 'started', pid: 5, group: 6 },
    ]);
  });

  it('stops at a line that is not JSON, has the wrong shape, or never ends', () => {
    assert.match(read(['not json\n{"type":"started","pid":1,"group":1}\n']).bad[0]!, /not a message: not json/);
    assert.equal(read(['not json\n{"type":"started","pid":1,"group":1}\n']).lines.length, 0, 'nothing after a bad line is read');
    assert.match(read(['{"type":"end","result":{"outcome":"fine"}}\n']).bad[0]!, /not a message/);
    assert.match(read(['{"type":"output","stream":"stdin","text":"x"}\n']).bad[0]!, /not a message/);
    assert.match(read(['x'.repeat(MAX_LINE_CHARS + 1)]).bad[0]!, /longer than/);
  });

  it('gives the shell the exit code a shell would', () => {
    assert.equal(runnerExitCode({ outcome: 'ok', exitCode: 0 }), 0);
    assert.equal(runnerExitCode({ outcome: 'error', exitCode: 3 }), 3);
    assert.equal(runnerExitCode({ outcome: 'error', exitCode: null }), 1);
    assert.equal(runnerExitCode({ outcome: 'timeout', exitCode: null }), 124);
    assert.equal(runnerExitCode({ outcome: 'memory', exitCode: null }), 137);
    assert.equal(runnerExitCode({ outcome: 'killed', exitCode: null }), 130);
  });

  it('ends a run whose runner sends garbage, with the reason, instead of hanging', async () => {
    const dir = tempDir('terminal-wire');
    try {
      const folder = realpathSync(dir.path);
      const options = { runId: 'r1', command: 'true', cwdShown: '.', program: 'true', args: [], cwd: folder, workspaceFolders: [folder], timeoutMs: 5_000 };
      const garbage = await runInTerminal(rogueRunner('{"type":"started","pid":1,"group":99999999}\nnonsense\n'), options);
      assert.ok(!('notStarted' in garbage));
      assert.equal(garbage.outcome, 'error');
      assert.match(garbage.reason ?? '', /the terminal runner sent a line that is not a message: nonsense/);
      const silent = await runInTerminal(rogueRunner(''), { ...options, timeoutMs: 200 });
      assert.ok(!('notStarted' in silent));
      assert.equal(silent.outcome, 'timeout', 'a runner that never reports is stopped past the time limit');
    } finally {
      dir.cleanup();
    }
  });
});
