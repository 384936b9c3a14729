/**
 * Inline fixes: what travels between the server's code actions and the extension. "Fix with
 * Parley" is plain LSP (`textDocument/codeAction` + `codeAction/resolve`); "Explain with Parley"
 * is a code action whose command the extension runs, handing the problem to the session panel.
 */
import { Commands } from './commands';
import type { DiagnosticSeverityName, TextRange } from './lsp';

/** Server → client (as a code action's command): explain a problem in the session panel. */
export namespace ExplainProblemCommand {
  export const command = Commands.explainProblem;
}

/** The problems to explain; one for a single diagnostic, several when the menu groups them. */
export interface ExplainProblemArgs {
  uri: string;
  problems: ExplainedProblem[];
}

export interface ExplainedProblem {
  range: TextRange;
  severity: DiagnosticSeverityName;
  message: string;
  source?: string;
  code?: string;
}

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
