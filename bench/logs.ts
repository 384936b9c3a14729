/**
 * `npm run bench -- logs`: `parley logs analyze` on a large generated Claude Code transcript,
 * throughput (MB/s) and peak memory against `jq -c .` over the same file in the same run. The
 * generator knows the true totals, so the analysis is checked as well as timed.
 * BENCH_LOGS_MB sets the transcript's size (default 300), BENCH_LOGS_RUNS the runs of each (3).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { median, printTable, seededRandom } from './stats';

const REPO = join(__dirname, '..');
const CLI = join(REPO, 'dist', 'cli.js');
const TARGET_BYTES = Number(process.env.BENCH_LOGS_MB ?? 300) * 1e6;
const RUNS = Number(process.env.BENCH_LOGS_RUNS ?? 3);

/** What the generator wrote, for checking the analysis against. */
interface Truth {
  responses: number;
  input: number;
  output: number;
  toolCalls: number;
  toolErrors: number;
}

const WORDS = 'the a test build file function error module import config value type return async await request response parse index cache'.split(' ');

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
}

/** Writes turns of a coding session until the file is `TARGET_BYTES` long: a prompt, then tool calls, each response as two or three records. */
async function generate(file: string): Promise<Truth> {
  const out = createWriteStream(file);
  const next = seededRandom(42);
  const truth: Truth = { responses: 0, input: 0, output: 0, toolCalls: 0, toolErrors: 0 };
  let bytes = 0;
  let clock = Date.parse('2026-11-01T09:00:00Z');
  let n = 0;
  const base = { sessionId: 'bench', cwd: '/work/app', version: '2.1.0', isSidechain: false };
  const write = async (record: object) => {
    clock += Math.floor(next() * 20_000);
    const line = JSON.stringify({ ...base, ...record, timestamp: new Date(clock).toISOString(), uuid: `u${++n}` }) + '\n';
    bytes += line.length;
    if (!out.write(line)) await once(out, 'drain');
  };
  while (bytes < TARGET_BYTES) {
    await write({ type: 'user', message: { role: 'user', content: words(next, 12 + Math.floor(next() * 40)) } });
    const steps = 1 + Math.floor(next() * 6);
    for (let step = 0; step < steps; step += 1) {
      const id = `msg_${truth.responses}`;
      const usage = {
        input_tokens: 1 + Math.floor(next() * 500),
        cache_read_input_tokens: Math.floor(next() * 50_000),
        cache_creation_input_tokens: Math.floor(next() * 2000),
        output_tokens: 1 + Math.floor(next() * 800),
      };
      truth.responses += 1;
      truth.input += usage.input_tokens;
      truth.output += usage.output_tokens;
      const tool = `tu_${truth.toolCalls++}`;
      const assistant = (content: object[], output: number) => ({
        type: 'assistant',
        requestId: `req_${id}`,
        message: { id, role: 'assistant', model: 'claude-sonnet-4-5-20250929', content, usage: { ...usage, output_tokens: output } },
      });
      await write(assistant([{ type: 'thinking', thinking: words(next, 60) }], 1));
      if (next() < 0.5) await write(assistant([{ type: 'text', text: words(next, 40) }], Math.ceil(usage.output_tokens / 2)));
      await write(
        assistant(
          [
            {
              type: 'tool_use',
              id: tool,
              name: next() < 0.5 ? 'Bash' : 'Read',
              input: { command: words(next, 4), file_path: `/work/app/src/f${Math.floor(next() * 200)}.ts` },
            },
          ],
          usage.output_tokens,
        ),
      );
      const failed = next() < 0.1;
      if (failed) truth.toolErrors += 1;
      await write({
        type: 'user',
        message: {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: tool, content: words(next, 200 + Math.floor(next() * 1500)), is_error: failed }],
        },
      });
    }
  }
  out.end();
  await once(out, 'finish');
  return truth;
}

function parseTime(marker: string, stderr: string): { seconds: number; peakMb: number } {
  const match = new RegExp(`${marker} ([\\d.]+) (\\d+)`).exec(stderr);
  if (!match) throw new Error(`no timing in: ${stderr.slice(-300)}`);
  return { seconds: Number(match[1]), peakMb: Number(match[2]) / 1024 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-logs-'));
  try {
    const file = join(dir, 'large.jsonl');
    const started = Date.now();
    const truth = await generate(file);
    const megabytes = statSync(file).size / 1e6;
    console.log(
      `generated ${megabytes.toFixed(0)} MB (${truth.responses} responses, ${truth.toolCalls} tool calls) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const parley: { seconds: number; peakMb: number }[] = [];
    const jq: { seconds: number; peakMb: number }[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const analysis = runTimed(process.execPath, [CLI, 'logs', 'analyze', file, '--json']);
      check(JSON.parse(analysis.stdout), truth);
      parley.push(analysis);
      jq.push(runTimed('jq', ['-c', '.', file]));
    }
    const speed = (runs: { seconds: number }[]) => megabytes / median(runs.map((r) => r.seconds));
    printTable(`parley logs analyze on ${megabytes.toFixed(0)} MB (${RUNS} runs each, alternating)`, [
      { metric: 'throughput', median: speed(parley), unit: 'MB/s', baseline: { name: 'jq -c .', median: speed(jq) } },
      { metric: 'wall time', median: median(parley.map((r) => r.seconds)), unit: 's', baseline: { name: 'jq -c .', median: median(jq.map((r) => r.seconds)) } },
      { metric: 'peak RSS', median: median(parley.map((r) => r.peakMb)), unit: 'MB', baseline: { name: 'jq -c .', median: median(jq.map((r) => r.peakMb)) } },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Wall seconds and peak RSS (MB) of a command, from GNU time, which reports on stderr: a shell
 * sends the command's stdout to a file (jq's to /dev/null) and GNU time's report to the pipe.
 */
function runTimed(command: string, args: string[]): { seconds: number; peakMb: number; stdout: string } {
  const marker = 'PARLEY_BENCH_TIME';
  const output = command === 'jq' ? '/dev/null' : join(tmpdir(), `parley-bench-logs-${process.pid}.out`);
  try {
    const stderr = execFileSync('sh', ['-c', '"$@" 2>&1 >"$0"', output, '/usr/bin/time', '-f', `${marker} %e %M`, command, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    return { ...parseTime(marker, stderr), stdout: output === '/dev/null' ? '' : readFileSync(output, 'utf8') };
  } finally {
    if (output !== '/dev/null') rmSync(output, { force: true });
  }
}

function check(
  analysis: { usage: { input_tokens: number; output_tokens: number }; tools: Record<string, { calls: number; errors: number }>; skippedLines: number },
  truth: Truth,
): void {
  const calls = Object.values(analysis.tools).reduce((sum, tool) => sum + tool.calls, 0);
  const errors = Object.values(analysis.tools).reduce((sum, tool) => sum + tool.errors, 0);
  const got = [analysis.usage.input_tokens, analysis.usage.output_tokens, calls, errors, analysis.skippedLines];
  const want = [truth.input, truth.output, truth.toolCalls, truth.toolErrors, 0];
  if (got.join() !== want.join()) throw new Error(`analysis disagrees with the generated truth: got ${got.join(', ')}, want ${want.join(', ')}`);
}

void main();
