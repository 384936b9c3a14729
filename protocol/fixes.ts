/**
 * Inline fixes: what travels between the server's code actions and the extension. "Fix with
 * Parley" is plain LSP (`textDocument/codeAction` + `codeAction/resolve`); "Explain with Parley"
 * is a code action whose command the extension runs, handing the problem to the session panel.
 */
// zod's mini build, as protocol/settings.ts: the extension bundles these schemas.
import * as z from 'zod/mini';
import { Commands } from './commands';
import type { DiagnosticSeverityName } from './lsp';

/** Up to this many problems in range get actions of their own; more are grouped. */
export const MAX_SEPARATE = 3;
/** One grouped fix covers at most this many problems: a minimal edit cannot fix a whole file. */
export const MAX_GROUPED = 8;

const lineOrColumn = z.number().check(z.int(), z.minimum(0));
const position = z.object({ line: lineOrColumn, character: lineOrColumn });
const range = z
  .object({ start: position, end: position })
  .check(
    z.refine(({ start, end }) => start.line < end.line || (start.line === end.line && start.character <= end.character), { error: 'ends before it starts' }),
  );

/**
 * A diagnostic as a fix carries it: an LSP Diagnostic, of which Parley reads the range, message,
 * severity, source and code; its other fields travel as they are.
 */
const FixDiagnosticSchema = z.looseObject({
  range,
  message: z.union([z.string(), z.object({ kind: z.enum(['plaintext', 'markdown']), value: z.string() })]),
  severity: z.optional(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)])),
  source: z.optional(z.string()),
  code: z.optional(z.union([z.string(), z.number()])),
});

/**
 * What a "Fix with Parley" action carries from `textDocument/codeAction` to `codeAction/resolve`.
 * The client hands it back as it got it, but the server reads it as any client input: checked.
 */
export const FixDataSchema = z.object({
  parley: z.literal('fix'),
  uri: z.string(),
  diagnostics: z.array(FixDiagnosticSchema).check(z.minLength(1), z.maxLength(MAX_GROUPED)),
});
export type FixData = z.infer<typeof FixDataSchema>;

/** Server → client (as a code action's command): explain a problem in the session panel. */
export namespace ExplainProblemCommand {
  export const command = Commands.explainProblem;
}

/** Server → client (as a code action's command): dismiss a review finding for its repository ("not a problem"). */
export namespace DismissFindingCommand {
  export const command = Commands.dismissFinding;
}

/** What a review finding's diagnostic carries in `data` (server/repo/review/service.ts). */
export const ReviewFindingDataSchema = z.object({ kind: z.string(), fix: z.string(), id: z.string(), folder: z.string() });
export type ReviewFindingData = z.infer<typeof ReviewFindingDataSchema>;
export type DismissFindingArgs = Pick<ReviewFindingData, 'id' | 'folder'> & { title: string };

const SEVERITY_NAMES = ['error', 'warning', 'information', 'hint'] as const satisfies readonly DiagnosticSeverityName[];

export const ExplainedProblemSchema = z.object({
  range,
  severity: z.enum(SEVERITY_NAMES),
  message: z.string(),
  source: z.optional(z.string()),
  code: z.optional(z.string()),
});
export type ExplainedProblem = z.infer<typeof ExplainedProblemSchema>;

/** The problems to explain; one for a single diagnostic, several when the menu groups them. */
export const ExplainProblemArgsSchema = z.object({ uri: z.string(), problems: z.array(ExplainedProblemSchema).check(z.minLength(1)) });
export type ExplainProblemArgs = z.infer<typeof ExplainProblemArgsSchema>;

/** The question the session panel sends for `args`, with `path` as the user knows the file. */
export function explainQuestion(path: string, args: ExplainProblemArgs): string {
  const one = (problem: ExplainedProblem) => {
    const origin = [problem.source, problem.code].filter(Boolean).join(' ');
    return `line ${problem.range.start.line + 1}: ${problem.message}${origin ? ` (${origin})` : ''}`;
  };
  if (args.problems.length === 1) {
    const problem = args.problems[0]!;
    return `Explain this ${problem.severity} in ${path}, ${one(problem)}. Why does it happen and how should I fix it?`;
  }
  return `Explain these problems in ${path}. Why do they happen and how should I fix them?\n${args.problems.map((problem) => `- ${problem.severity} on ${one(problem)}`).join('\n')}`;
}
