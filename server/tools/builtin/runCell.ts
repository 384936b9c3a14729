/**
 * run_cell: the assistant proposes a REPL cell (Python or Node) for the session's kernel, where
 * variables persist between cells; it runs once the user approves it on its card. Offered, like
 * run_command, only in a trusted workspace and not after a second denial in one answer.
 */
import * as z from 'zod';
import { CELL_LANGUAGES } from '../../../protocol/live';
import type { CellResult } from '../../hands/repl';
import { isWorkspaceTrusted } from '../../process/trust';
import { tableMarkdown } from '../../hands/table';
import { redactSecrets } from '../../secrets/redact';
import { defineTool, type Tool } from '../types';
import { Denials, NO_PANEL, type HandsDeps } from './runCommand';

const OUTCOME_WORDS: Record<CellResult['outcome'], string> = {
  ok: 'ran',
  error: 'raised an error',
  timeout: 'timed out',
  memory: 'ran out of memory',
  killed: 'was stopped',
};
const LANGUAGE_NAMES = { python: 'Python', node: 'Node' } as const;
/** Characters of one table cell the model reads. */
const MODEL_CELL_CHARS = 60;

/** What the model reads of a cell: how it ended, then the end of what it printed, bounded and with secrets redacted. */
export async function cellResultText(language: keyof typeof LANGUAGE_NAMES, result: CellResult, output: string, maxChars = 8_000): Promise<string> {
  const figures =
    result.images.length > 0 ? ` It drew ${result.images.length} figure${result.images.length > 1 ? 's' : ''}, shown to the user in the panel.` : '';
  const restarted = result.restarted
    ? ` The REPL restarted (${result.restarted.reason}); variables lost: ${result.restarted.lostVariables.join(', ') || 'none'}.`
    : '';
  const head = `The ${LANGUAGE_NAMES[language]} cell ${OUTCOME_WORDS[result.outcome]} (${result.ms} ms).${figures}${restarted}`;
  const tables = await tablesText(result, Math.floor(maxChars / 2));
  const text = (await redactSecrets(output)).trimEnd();
  const room = Math.max(0, maxChars - head.length - tables.length - 30);
  const body = text === '' ? (tables ? '' : '\nNo output.') : `\nOutput${text.length > room ? ' (last part)' : ''}:\n${text.slice(-room)}`;
  return head + body + tables;
}

/** The cell's value as Markdown tables, shown to the user as tables in the panel; the first rows that fit in `maxChars`. */
async function tablesText(result: CellResult, maxChars: number): Promise<string> {
  if (result.tables.length === 0) return '';
  const each = Math.floor(maxChars / result.tables.length) - 40;
  const tables = result.tables.map((table) => tableMarkdown(table, { maxChars: each, cellChars: MODEL_CELL_CHARS, escape: 'pipes' }));
  return `\nIts value, a table (shown to the user as a table in the panel):\n${await redactSecrets(tables.join('\n\n'))}`;
}

export function createRunCell(hands: HandsDeps): Tool {
  const denials = new Denials();
  return defineTool({
    name: 'run_cell',
    description:
      "Run a cell of Python or Node code in the session's REPL (variables persist between cells; matplotlib figures are shown to the user), after the user approves it in the panel. Returns its output, value or traceback. Runs with limits on time and memory.",
    input: z.object({
      language: z.enum(CELL_LANGUAGES).describe('python or node'),
      code: z.string().min(1, { error: 'must not be empty' }).max(20_000).describe('The code of the cell'),
      reason: z.string().min(1, { error: 'must say why' }).max(500).describe('Why you want to run it, in one sentence the user reads on the approval card'),
    }),
    offered: (answer) => isWorkspaceTrusted() && !denials.exhausted(answer),
    async run({ language, code, reason }, context, signal) {
      if (!isWorkspaceTrusted()) return { content: 'Code does not run in Restricted Mode: the user has not trusted this workspace.', isError: true };
      const cwd = context.folders.resolve('.');
      context.announce?.(`\n\nI'd like to run a ${LANGUAGE_NAMES[language]} cell; approve it in the panel.\n\n`);
      const approved = await hands.approvals.ask({ kind: 'cell', command: code, cwd: 'the workspace folder', reason, language }, signal);
      if (approved === undefined) return { content: 'The answer was stopped before the user decided; the cell did not run.', isError: true };
      if (approved === 'no panel') return NO_PANEL;
      if (approved === 'denied') {
        denials.add(signal, code);
        return { content: 'The user denied running the cell. It did not run; do not ask for it again unless the user asks.', isError: true };
      }
      const result = await hands.cells.run(approved.id, { language, code, source: 'assistant' }, { cwd, workspaceFolders: context.folders.folders }, signal);
      return { content: await cellResultText(language, result, result.output) };
    },
  });
}
