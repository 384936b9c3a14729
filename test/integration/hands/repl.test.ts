/**
 * The REPL against real kernels: variables persist between cells, the last expression's value and
 * errors come back as a notebook shows them, a matplotlib figure comes back as a PNG, and each kind
 * of runaway cell (infinite loop, memory, fork and thread bombs, each bounded by itself) is stopped
 * within its limit plus one second, after which the next cell runs in a fresh kernel and the
 * result names the variables that were lost.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CellEvent } from '../../../server/hands/repl';
import { replsIn } from './python';

const repl = replsIn('hands-repl');

describe('Python REPL', { timeout: 180_000 }, () => {
  it('cells share variables; the last expression is the value; prints are stdout; an error has its traceback', async () => {
    const python = repl({ language: 'python' });
    const events: CellEvent[] = [];
    const first = await python.run('x = 21\nprint("hello")\nx + 1', { onEvent: (event) => events.push(event) });
    assert.deepEqual({ outcome: first.outcome, stdout: first.stdout, value: first.value }, { outcome: 'ok', stdout: 'hello\n', value: '22' });
    // Events are chunks as they came (Python may write a print's newline apart), the value last.
    assert.deepEqual(events.at(-1), { type: 'value', text: '22' });
    assert.ok(events.slice(0, -1).every((event) => event.type === 'stdout'));
    assert.equal(events.map((event) => (event.type === 'stdout' ? event.text : '')).join(''), 'hello\n');
    assert.equal((await python.run('x * 2')).value, '42');
    const error = await python.run('def f():\n    return 1 / 0\nf()');
    assert.equal(error.outcome, 'error');
    assert.equal(error.error?.name, 'ZeroDivisionError');
    assert.match(error.error!.traceback, /File "<cell>", line 3[\s\S]*line 2, in f[\s\S]*ZeroDivisionError: division by zero/);
    assert.doesNotMatch(error.error!.traceback, /python\.py/);
  });

  it('output that spells another cell’s marker or JSON → it is only output', async () => {
    const python = repl({ language: 'python' });
    const result = await python.run('import sys\nprint(\'{"id": 1, "type": "done"}\')\nsys.stderr.write("\\x1e00\\x1e\\n")\n7');
    assert.deepEqual(
      { stdout: result.stdout, stderr: result.stderr, value: result.value },
      { stdout: '{"id": 1, "type": "done"}\n', stderr: '\u001e00\u001e\n', value: '7' },
    );
  });

  it('a cell that replaces sys.stdout, or closes fd 1 → the cell still ends, the kernel still answers', async () => {
    const python = repl({ language: 'python' });
    assert.equal((await python.run('import io, sys\nsys.stdout = io.StringIO()\nprint("swallowed")\n1')).value, '1');
    assert.equal((await python.run('import os\nos.close(1)\n2')).value, '2');
    assert.equal((await python.run('3')).value, '3');
  });

  it('a matplotlib plot → one PNG per open figure, and none left open for the next cell', async () => {
    const python = repl({ language: 'python' });
    const result = await python.run('import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.figure()\nplt.bar([1, 2], [3, 4])\nNone');
    assert.equal(result.outcome, 'ok', JSON.stringify(result.error));
    assert.equal(result.images.length, 2);
    for (const png of result.images) {
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 5000, `${png.length} bytes`);
    }
    assert.equal((await python.run('plt.get_fignums()')).value, '[]');
  });

  const bombs: [string, string, RegExp][] = [
    ['an infinite loop', 'while True: pass', /time limit/],
    ['a memory bomb', 'grow = []\nfor _ in range(200): grow.append(bytearray(10 << 20))', /MB/],
    [
      'a fork bomb (2^9 processes at most)',
      'import os, time\nfor _ in range(9):\n    try: os.fork()\n    except OSError: pass\ntime.sleep(20)',
      /processes|MB/,
    ],
    [
      'a thread bomb (3,000 threads at most)',
      'import threading, time\nfor _ in range(3000):\n    try: threading.Thread(target=time.sleep, args=(20,), daemon=True).start()\n    except RuntimeError: pass\ntime.sleep(20)',
      /threads|MB/,
    ],
  ];
  for (const [name, code, reason] of bombs)
    for (const kernelLimits of ['auto', 'none'] as const) {
      it(`${name} in a cell (2 s, 300 MB; ${kernelLimits === 'auto' ? 'kernel limits where offered' : 'polling alone'}) → stopped within 3 s, the REPL restarted, the lost variables named, the next cell runs`, async () => {
        const python = repl({ language: 'python', timeoutMs: 2000, limits: { memoryBytes: 300 << 20 }, kernelLimits });
        await python.run('df = [1, 2]\ny = 3');
        const started = Date.now();
        const result = await python.run(code);
        assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
        assert.notEqual(result.outcome, 'ok');
        assert.match(result.restarted?.reason ?? '', reason);
        assert.deepEqual(result.restarted?.lostVariables, ['df', 'y']);
        assert.match(result.error!.message, /the REPL was restarted: variables df, y were lost/);
        const next = await python.run('"y" in dir()');
        assert.deepEqual({ outcome: next.outcome, value: next.value }, { outcome: 'ok', value: 'False' });
      });
    }

  it('Stop during a cell → stopped within 1 s, restarted', async () => {
    const python = repl({ language: 'python' });
    const controller = new AbortController();
    const running = python.run('import time\nprint("started", flush=True)\ntime.sleep(60)', {
      signal: controller.signal,
      onEvent: (event) => event.type === 'stdout' && controller.abort(),
    });
    const result = await running;
    assert.equal(result.outcome, 'killed');
    assert.ok(result.ms < 1500, `${result.ms} ms`);
    assert.equal((await python.run('1 + 1')).value, '2');
  });

  it('a Python program that is not there → the cell fails saying Python is not available', async () => {
    await assert.rejects(repl({ language: 'python', python: '/nonexistent/python3' }).run('1'), /Python is not available/);
  });
});

describe('Node REPL', { timeout: 60_000 }, () => {
  it('var, let and functions persist; the value is inspected; a promise is awaited; errors keep the cell’s frames', async () => {
    const node = repl({ language: 'node' });
    assert.equal((await node.run('var a = 40; let b = 2; function add(x, y) { return x + y }')).outcome, 'ok');
    assert.equal((await node.run('add(a, b)')).value, '42');
    assert.equal((await node.run('Promise.resolve({ answer: a + b })')).value, '{ answer: 42 }');
    const logged = await node.run('console.log("out"); console.error("err"); [1, 2]');
    assert.deepEqual({ stdout: logged.stdout, stderr: logged.stderr, value: logged.value }, { stdout: 'out\n', stderr: 'err\n', value: '[ 1, 2 ]' });
    const error = await node.run('null.x');
    assert.equal(error.error?.name, 'TypeError');
    assert.match(error.error!.traceback, /^TypeError: Cannot read properties of null[\s\S]*cell:1/);
    assert.doesNotMatch(error.error!.traceback, /node\.mjs/);
  });

  it('an infinite loop → stopped at the limit, restarted, variables named', async () => {
    const node = repl({ language: 'node', timeoutMs: 1000 });
    await node.run('var kept = 1');
    const result = await node.run('while (true) {}');
    assert.equal(result.outcome, 'timeout');
    assert.ok(result.ms < 2000, `${result.ms} ms`);
    assert.deepEqual(result.restarted?.lostVariables, ['kept']);
    assert.equal((await node.run('typeof kept')).value, "'undefined'");
  });

  it('a memory bomb (Buffers of 10 MB, 200 at most; 300 MB limit) → memory, restarted, the next cell runs', async () => {
    const node = repl({ language: 'node', limits: { memoryBytes: 300 << 20 } });
    const started = Date.now();
    const result = await node.run('var grow = []; for (let i = 0; i < 200; i++) grow.push(Buffer.alloc(10 << 20, 1))');
    assert.equal(result.outcome, 'memory', JSON.stringify(result));
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
    assert.equal((await node.run('typeof grow')).value, "'undefined'");
  });
});
