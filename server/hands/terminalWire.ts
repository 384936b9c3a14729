/**
 * What the server and Parley's terminal runner (terminalRun.ts) say to each other over the run's
 * Unix socket: one JSON object per line. The server sends the approved job and, on Stop, `stop`;
 * the runner says it started, sends the output as it comes and ends with the result. Each side
 * reads the other's lines with these schemas; a line that does not fit ends the run.
 */
import * as z from 'zod/mini';
import type { CommandResult } from './run';

/** The longest line either side accepts (an output chunk is at most 64 KiB of text, escaped). */
export const MAX_LINE_CHARS = 1 << 20;

/** Characters of output per `output` line. */
export const WIRE_CHUNK_CHARS = 64 * 1024;

export const JobSchema = z.object({
  type: z.literal('job'),
  runId: z.string(),
  /** The command line as the user approved it, for the terminal's header line. */
  command: z.string(),
  /** The folder as the card says it. */
  cwdShown: z.string(),
  program: z.string().check(z.minLength(1)),
  args: z.array(z.string()),
  /** The real path, already confined to the workspace by the server (the runner checks again). */
  cwd: z.string(),
  workspaceFolders: z.array(z.string()),
  timeoutMs: z.number().check(z.positive()),
  memoryBytes: z.number().check(z.positive()),
  /** The hands environment the server built (no keys): the shell's own environment is not passed on. */
  env: z.record(z.string(), z.string()),
});
export type Job = z.infer<typeof JobSchema>;

export const ServerLineSchema = z.discriminatedUnion('type', [JobSchema, z.object({ type: z.literal('stop') })]);
export type ServerLine = z.infer<typeof ServerLineSchema>;

const OutcomeSchema = z.enum(['ok', 'error', 'timeout', 'memory', 'killed']);

export const ResultSchema = z.object({
  outcome: OutcomeSchema,
  exitCode: z.nullable(z.int()),
  signal: z.nullable(z.string()),
  ms: z.number().check(z.nonnegative()),
  output: z.string(),
  truncatedBytes: z.int().check(z.nonnegative()),
  reason: z.optional(z.string()),
});

export const RunnerLineSchema = z.discriminatedUnion('type', [
  /** The runner's own pid, and the process group its command leads (the server's last resort if the runner dies). */
  z.object({ type: z.literal('started'), pid: z.int().check(z.positive()), group: z.int().check(z.positive()) }),
  z.object({ type: z.literal('output'), stream: z.enum(['stdout', 'stderr']), text: z.string().check(z.maxLength(WIRE_CHUNK_CHARS)) }),
  z.object({ type: z.literal('end'), result: ResultSchema }),
  /** The job could not run at all (a folder outside the workspace, say). */
  z.object({ type: z.literal('refused'), reason: z.string() }),
]);
export type RunnerLine = z.infer<typeof RunnerLineSchema>;

/**
 * Splits a stream into lines and parses each with `schema`; calls `onLine` for each, or `onBad`
 * once (and stops) for a line that is too long or does not fit.
 */
export function lineReader<T>(schema: z.ZodMiniType<T>, onLine: (line: T) => void, onBad: (why: string) => void): (chunk: string) => void {
  let pending = '';
  let broken = false;
  return (chunk) => {
    if (broken) return;
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      let parsed: { success: true; data: T } | { success: false } = { success: false };
      try {
        parsed = schema.safeParse(JSON.parse(text));
      } catch {
        // Not JSON: left unparsed.
      }
      if (!parsed.success) {
        broken = true;
        return onBad(`a line that is not a message: ${text.slice(0, 80)}`);
      }
      onLine(parsed.data);
    }
    if (pending.length > MAX_LINE_CHARS) {
      broken = true;
      onBad(`a line longer than ${MAX_LINE_CHARS} characters`);
    }
  };
}

export const lineOf = (message: ServerLine | RunnerLine) => `${JSON.stringify(message)}\n`;

// What the runner prints in the terminal around the command's own output (a real terminal turns \n into a new line).
const BOLD = '\u001b[1m';
const DIM = '\u001b[2m';
export const RED = '\u001b[31m';
export const RESET = '\u001b[0m';

/** Exit codes a shell would give: the command's own, 124 for a timeout (as `timeout` does), 137 past a memory limit, 130 when stopped. */
export function runnerExitCode(result: Pick<CommandResult, 'outcome' | 'exitCode'>): number {
  switch (result.outcome) {
    case 'ok':
      return 0;
    case 'error':
      return result.exitCode !== null && result.exitCode > 0 ? result.exitCode : 1;
    case 'timeout':
      return 124;
    case 'memory':
      return 137;
    case 'killed':
      return 130;
  }
}

const seconds = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

/** Control characters from the model's text would be terminal escapes (even fake shell-integration marks): shown as `?`. */
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export function headerText(job: Job): string {
  const limits = `limits ${seconds(job.timeoutMs)}, ${Math.round(job.memoryBytes / (1 << 20))} MB`;
  return `${BOLD}Parley runs: ${printable(job.command)}${RESET} ${DIM}(in ${printable(job.cwdShown)}; approved in the Parley panel; ${limits}; stdin closed)${RESET}\n`;
}

export function footerText(result: CommandResult): string {
  const how = result.signal ? `signal ${result.signal}` : `exit ${result.exitCode ?? '?'}`;
  const colour = result.outcome === 'ok' ? DIM : RED;
  return `${colour}[${result.outcome === 'ok' ? 'done' : result.outcome}: ${how}, ${seconds(result.ms)}${result.reason ? `; ${result.reason}` : ''}]${RESET}\n`;
}
