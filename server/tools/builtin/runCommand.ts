/**
 * run_command: the assistant runs one command in the workspace, after the user approved that
 * exact line on a card in the panel (or it is on the workspace's always-allow list, word for
 * word). Offered only in a trusted workspace, and no longer in an answer where the user denied
 * the same command twice.
 */
import * as z from 'zod';
import type { CommandOutput } from '../../../protocol/lsp';
import type { HandsSettings } from '../../../protocol/settings';
import { type AllowList, type Approvals, parseCommandLine } from '../../hands/approval';
import type { Cells } from '../../hands/approvalCells';
import { commandResultText } from '../../hands/resultText';
import { runCommand as runTree, type CommandResult } from '../../hands/run';
import { runInTerminal, terminalRanAs, type TerminalShell } from '../../hands/terminalJob';
import { isWorkspaceTrusted } from '../../process/trust';
import { defineTool, type Tool, type ToolContext, type ToolResult } from '../types';

/** What the hands tools need from the server. */
export interface HandsDeps {
  approvals: Approvals;
  allowList: AllowList;
  /** The session's REPL kernels. */
  cells: Cells;
  settings(): Promise<HandsSettings>;
  /** The terminal named "Parley output", which mirrors the output of each command run as a child process. */
  terminal?(output: CommandOutput): void;
  /** The terminal named "Parley", a shell with shell integration, where approved commands run when it can take them. */
  shell?: TerminalShell;
}

/** Denials of the same command in one answer after which the answer is no longer offered the tool. */
export const MAX_DENIALS = 2;

/** Counts what the user denied, per answer (by the answer's signal) and per command or cell. */
export class Denials {
  readonly #byAnswer = new WeakMap<AbortSignal, Map<string, number>>();

  add(answer: AbortSignal, key: string): void {
    const counts = this.#byAnswer.get(answer) ?? new Map<string, number>();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    this.#byAnswer.set(answer, counts);
  }

  /** Whether the user denied something twice in this answer: the tool is withdrawn for the rest of it. */
  exhausted(answer: AbortSignal): boolean {
    return [...(this.#byAnswer.get(answer)?.values() ?? [])].some((count) => count >= MAX_DENIALS);
  }
}

/** What the model reads when no panel is open to show an approval card. */
export const NO_PANEL: ToolResult = {
  content: 'Nothing ran: the Parley panel is not open, so the user cannot approve it. Ask the user to open the Parley panel.',
  isError: true,
};

const STOPPED_BEFORE_START: CommandResult = {
  outcome: 'killed',
  exitCode: null,
  signal: null,
  ms: 0,
  output: '',
  truncatedBytes: 0,
  reason: 'stopped before it started',
};

const UNTRUSTED: ToolResult = { content: 'Commands do not run in Restricted Mode: the user has not trusted this workspace.', isError: true };

/** The folder as the card and the voice say it. */
function folderName(context: ToolContext, folder: string): string {
  const shown = context.folders.display(folder);
  return shown === '.' ? 'the workspace folder' : shown;
}

export function createRunCommand(hands: HandsDeps): Tool {
  const denials = new Denials();
  return defineTool({
    name: 'run_command',
    description:
      'Run one command (a program and its arguments, no shell: no pipes, redirections, ;, &&, globs, $VARS or substitutions) in a workspace folder, after the user approves it in the panel. Returns its exit code, duration and the end of its output. Runs with limits on time and memory.',
    input: z.object({
      command: z.string().min(1, { error: 'must not be empty' }).max(4000).describe('One command line, for example "npm test" or "git status"'),
      cwd: z.string().min(1).optional().describe('Folder to run it in, relative to the workspace folder; default the workspace folder'),
      reason: z.string().min(1, { error: 'must say why' }).max(500).describe('Why you want to run it, in one sentence the user reads on the approval card'),
    }),
    offered: (answer) => isWorkspaceTrusted() && !denials.exhausted(answer),
    async run({ command, cwd, reason }, context, signal) {
      if (!isWorkspaceTrusted()) return UNTRUSTED;
      const parsed = parseCommandLine(command);
      if ('problem' in parsed) return { content: parsed.problem, isError: true };
      const folder = context.folders.resolve(cwd ?? '.');
      const request = { kind: 'command' as const, command, cwd: folderName(context, folder), reason };
      let approved;
      if (hands.allowList.isAllowed(parsed.argv)) approved = hands.approvals.preapproved(request);
      else {
        context.announce?.(`\n\nI'd like to run ${command} in ${request.cwd}; approve it in the panel.\n\n`);
        approved = await hands.approvals.ask(request, signal);
        if (approved === undefined) return { content: `The answer was stopped before the user decided; \`${command}\` did not run.`, isError: true };
        if (approved === 'no panel') return NO_PANEL;
        if (approved === 'denied') {
          denials.add(signal, command);
          return { content: `The user denied running \`${command}\`. It did not run; do not ask for it again unless the user asks.`, isError: true };
        }
        if (approved.always) hands.allowList.allowCommand(parsed.argv);
      }
      const { timeoutMs, memoryMb } = await hands.settings();
      const [program, ...args] = parsed.argv;
      const options = {
        program: program!,
        args,
        cwd: folder,
        workspaceFolders: context.folders.folders,
        timeoutMs,
        limits: { memoryBytes: memoryMb * 1024 * 1024 },
      };
      const terminalRun = { runId: approved.id, command, cwd: request.cwd };
      // Asked only now, after approval: no terminal opens for a command the user denied.
      const ranAs = await terminalRanAs(hands.shell);
      const result = await hands.approvals.run(
        approved.id,
        signal,
        async (runSignal, onOutput, ranAsNow) => {
          if (ranAs.via === 'terminal' && hands.shell) {
            const inTerminal = await runInTerminal(hands.shell, {
              ...options,
              runId: approved.id,
              command,
              cwdShown: request.cwd,
              signal: runSignal,
              onOutput: ({ stream, text }) => onOutput(stream, text),
            });
            if (!('notStarted' in inTerminal)) return inTerminal;
            // Nothing ran there: it runs here instead, and the card says why.
            if (runSignal.aborted) return { ...STOPPED_BEFORE_START };
            ranAsNow({ via: 'child', why: inTerminal.notStarted });
          }
          hands.terminal?.(terminalRun);
          const result = await runTree({
            ...options,
            signal: runSignal,
            onOutput: ({ stream, text }) => {
              onOutput(stream, text);
              hands.terminal?.({ ...terminalRun, chunk: text });
            },
          });
          hands.terminal?.({ ...terminalRun, exit: { code: result.exitCode, signal: result.signal, ms: result.ms } });
          return result;
        },
        ranAs,
      );
      // A command that ran and failed is a result the model reads (the failing tests), not a broken call.
      return { content: await commandResultText(command, result) };
    },
  });
}
