/**
 * Commands against real runaway processes: each is stopped within its limit plus one second,
 * leaves nothing running, and cannot grow the server's memory. Run both with the kernel's limits
 * (a cgroup, where this machine offers one) and with polling alone (what other systems get).
 * Every bomb here is bounded by itself (a few hundred processes, threads or a fixed number of
 * allocations, then it stops), so a failing defence fails the test without taking the machine down.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCgroup } from '../../../server/hands/cgroup';
import { runCommand, type CommandOptions } from '../../../server/hands/run';
import { tempDir } from '../../support/paths';
import { waitFor } from '../../support/poll';
import { gone } from './python';

const dir = tempDir('hands-run');
after(() => dir.cleanup());

const run = (program: string, args: string[], more: Partial<CommandOptions> = {}) =>
  runCommand({ program, args, cwd: dir.path, workspaceFolders: [dir.path], timeoutMs: 20_000, ...more });
const py = (code: string, more: Partial<CommandOptions> = {}) => run('python3', ['-c', code], more);

const KERNEL_LIMITS = { auto: 'a cgroup where offered', rlimit: 'an address-space rlimit', none: 'polling alone' } as const;

for (const kernelLimits of ['auto', 'rlimit', 'none'] as const) {
  describe(`runaway commands (${KERNEL_LIMITS[kernelLimits]})`, { timeout: 120_000 }, () => {
    const options = { kernelLimits };

    it('an infinite loop with a 1 s limit → timeout within 2 s', async () => {
      const started = Date.now();
      const result = await run('sh', ['-c', 'while :; do :; done'], { ...options, timeoutMs: 1000 });
      assert.equal(result.outcome, 'timeout');
      assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
    });

    it('allocating 10 MB at a time, 200 MB limit → memory, within 3 s of starting', async () => {
      const started = Date.now();
      const result = await py('x = []\nfor _ in range(300): x.append(bytearray(10 << 20))\nimport time; time.sleep(20)', {
        ...options,
        limits: { memoryBytes: 200 << 20 },
      });
      assert.equal(result.outcome, 'memory', JSON.stringify(result));
      assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
    });

    it('a fork bomb (2^9 processes, each then sleeping 20 s) → stopped past 256 processes (or the memory limit) within 5 s of starting, none left', async () => {
      const pids = join(dir.path, `bomb-${kernelLimits}.pids`);
      const started = Date.now();
      const result = await py(
        // Each process writes its pid as it starts, so the root's is there however early the bomb is stopped.
        `import os, time\nnote = lambda: open(${JSON.stringify(pids)}, 'a').write(f"{os.getpid()}\\n")\nnote()\nfor _ in range(9):\n    try:\n        if os.fork() == 0: note()\n    except OSError: pass\ntime.sleep(20)`,
        options,
      );
      assert.ok(['killed', 'memory'].includes(result.outcome), JSON.stringify(result));
      assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
      const written = readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
      await waitFor(() => written.every(gone), { timeoutMs: 2000, what: 'every bomb process gone' });
    });

    it('a thread bomb (3,000 sleeping threads at most) → stopped past 1,024 threads, or (rlimit) held below them until the time limit', async () => {
      const started = Date.now();
      const bomb =
        'import threading, time\nn = 0\nfor _ in range(3000):\n    try:\n        threading.Thread(target=time.sleep, args=(20,), daemon=True).start()\n        n += 1\n    except RuntimeError: pass\nprint("started", n, flush=True)\ntime.sleep(20)';
      const result = await py(bomb, { ...options, timeoutMs: 3000 });
      assert.ok(Date.now() - started < 4000, `${Date.now() - started} ms`);
      // Each thread reserves its stack in address space: under the rlimit the bomb runs out of it first.
      if (kernelLimits === 'rlimit') assert.ok(result.outcome === 'timeout' && Number(/started (\d+)/.exec(result.output)?.[1]) < 1024, JSON.stringify(result));
      else assert.ok(['killed', 'memory'].includes(result.outcome), JSON.stringify(result));
    });

    it('a daemon that calls setsid and outlives its parent → killed when the command ends', async () => {
      const pidFile = join(dir.path, `daemon-${kernelLimits}.pid`);
      // The parent lingers a moment so that polling, which is all some systems have, sees the daemon.
      const result = await run('sh', ['-c', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' & sleep 0.3; echo parent done`], options);
      assert.equal(result.outcome, 'ok');
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await waitFor(() => gone(pid), { timeoutMs: 2000, what: 'the daemon gone' });
    });

    it('Stop on a command that ignores SIGTERM and has a setsid child → the whole tree gone within 1 s', async () => {
      const pidFile = join(dir.path, `stop-${kernelLimits}.pid`);
      const controller = new AbortController();
      const output: string[] = [];
      const running = run(
        'sh',
        ['-c', `trap '' TERM; setsid sh -c 'trap "" TERM; echo $$ > ${pidFile}; while :; do sleep 1; done' & echo ready; while :; do :; done`],
        {
          ...options,
          signal: controller.signal,
          onOutput: (event) => output.push(event.text),
        },
      );
      await waitFor(() => output.join('').includes('ready') && readFileSync(pidFile, 'utf8').trim(), { what: 'the command running' });
      const stopped = Date.now();
      controller.abort();
      const result = await running;
      assert.equal(result.outcome, 'killed');
      assert.ok(Date.now() - stopped < 1000, `${Date.now() - stopped} ms`);
      assert.ok(gone(Number(readFileSync(pidFile, 'utf8'))), 'the setsid child is gone');
    });
  });
}

describe('the kernel’s limits', () => {
  it('where this system lets Parley make a cgroup → the command runs inside it from its first instruction', async () => {
    const probe = createCgroup({ memoryBytes: 1 << 30, maxTasks: 64 });
    probe?.remove();
    const result = await run('cat', ['/proc/self/cgroup']);
    assert.equal(/parley-\d+-\d+/.test(result.output), probe !== undefined, result.output);
  });

  it('an 8 GB allocation under the rlimit → refused at once (MemoryError), never reaching memory', async () => {
    const result = await py('x = bytearray(8 << 30)', { kernelLimits: 'rlimit', limits: { memoryBytes: 200 << 20 } });
    assert.equal(result.outcome, 'error');
    assert.match(result.output, /MemoryError/);
  });
});

describe('commands and their pipes', { timeout: 120_000 }, () => {
  it('300 MB of output → all read, 64 KiB kept, the rest counted, the server’s memory flat', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    let events = 0;
    const result = await py('import sys\nb = b"x" * (1 << 20)\nfor _ in range(300): sys.stdout.buffer.write(b)\nprint("THE END")', {
      onOutput: () => {
        events++;
        if (events % 200 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    assert.equal(result.outcome, 'ok');
    assert.ok(result.output.endsWith('THE END\n'));
    assert.equal(result.truncatedBytes + result.output.length, 300 * (1 << 20) + 'THE END\n'.length);
    assert.ok(peak - before < 150 << 20, `rss grew by ${(peak - before) >> 20} MB`);
  });

  it('a command that reads stdin → end-of-file at once, never waiting', async () => {
    const result = await run('sh', ['-c', 'cat; read line || echo "eof"'], { timeoutMs: 5000 });
    assert.equal(result.outcome, 'ok');
    assert.equal(result.output, 'eof\n');
  });

  it('stdout and stderr → events in the order written, colours kept in events, stripped in the result', async () => {
    const events: string[] = [];
    const result = await run(
      'python3',
      [
        '-uc',
        'import sys, time\nprint("\\x1b[32mone\\x1b[0m"); sys.stdout.flush(); time.sleep(0.05)\nprint("two", file=sys.stderr); time.sleep(0.05)\nprint("three")',
      ],
      { onOutput: (event) => events.push(`${event.stream}:${event.text}`) },
    );
    // Chunks of one stream in a row are one write split by the pipe (Python writes a print's newline apart).
    const merged = events.reduce<string[]>(
      (all, event) =>
        all.length > 0 && all.at(-1)!.split(':')[0] === event.split(':')[0]
          ? [...all.slice(0, -1), all.at(-1)! + event.slice(event.indexOf(':') + 1)]
          : [...all, event],
      [],
    );
    assert.deepEqual(merged, ['stdout:\u001b[32mone\u001b[0m\n', 'stderr:two\n', 'stdout:three\n']);
    assert.equal(result.output, 'one\ntwo\nthree\n');
  });

  it('a keys-laden server environment → the command sees none of it', async () => {
    const result = await run('sh', ['-c', 'env'], {
      env: { PATH: process.env.PATH, HOME: '/tmp', ANTHROPIC_API_KEY: 'sk-ant-api03-runkey', MY_SECRET: 's3cr3t' },
    });
    assert.ok(!/sk-ant|s3cr3t|ANTHROPIC|MY_SECRET/.test(result.output), result.output);
    assert.match(result.output, /^HOME=\/tmp$/m);
  });

  it('a program that does not exist → an error result, not a throw', async () => {
    const result = await run('parley-no-such-program', []);
    assert.equal(result.outcome, 'error');
  });
});
