/**
 * The code actions Parley lists on errors and warnings: "Fix with Parley" (resolved later, when
 * picked) and "Explain with Parley" (a command for the extension), and on its own review findings
 * "Dismiss this finding" (a command for the extension). Listing is pure computation over
 * the diagnostics VS Code sends with the request: no model call, no file read, so it never slows
 * the lightbulb. Parley's actions are never preferred, so the language's own fixes come first.
 */
import { CodeActionKind, DiagnosticSeverity, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver/node';
import {
  DismissFindingCommand,
  ExplainProblemCommand,
  FixDataSchema,
  MAX_GROUPED,
  MAX_SEPARATE,
  ReviewFindingDataSchema,
  type DismissFindingArgs,
  type ExplainedProblem,
  type ExplainProblemArgs,
  type FixData,
} from '../../../protocol/fixes';
import { REVIEW_SOURCE } from '../findings/diagnostics';
import type { DiagnosticSeverityName } from '../../../protocol/lsp';

export type { FixData };

const TITLE_MESSAGE_CHARS = 60;

/** A resolve request's data is Parley's fix data, of the shape its schema declares (not only its tag). */
export function isFixData(data: unknown): data is FixData {
  return FixDataSchema.safeParse(data).success;
}

/** A diagnostic's message as plain text (LSP 3.18 allows Markdown). */
export function messageText(diagnostic: Diagnostic): string {
  return typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
}

function severityName(severity: DiagnosticSeverity | undefined): DiagnosticSeverityName {
  return severity === DiagnosticSeverity.Warning
    ? 'warning'
    : severity === DiagnosticSeverity.Information
      ? 'information'
      : severity === DiagnosticSeverity.Hint
        ? 'hint'
        : 'error';
}

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function overlaps(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/**
 * The errors and warnings in `range`, once each (VS Code can report the same problem twice), in
 * document order. A diagnostic without a severity counts as an error, as VS Code shows it.
 */
export function fixableDiagnostics(range: Range, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const kept: Diagnostic[] = [];
  for (const diagnostic of diagnostics) {
    const severity = diagnostic.severity ?? DiagnosticSeverity.Error;
    if (severity !== DiagnosticSeverity.Error && severity !== DiagnosticSeverity.Warning) continue;
    if (!overlaps(diagnostic.range, range)) continue;
    const { start, end } = diagnostic.range;
    const key = `${start.line}:${start.character}-${end.line}:${end.character} ${messageText(diagnostic)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(diagnostic);
  }
  return kept.sort((a, b) => (before(a.range.start, b.range.start) ? -1 : before(b.range.start, a.range.start) ? 1 : 0));
}

function shortMessage(message: string): string {
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > TITLE_MESSAGE_CHARS ? `${line.slice(0, TITLE_MESSAGE_CHARS - 1)}…` : line;
}

function explained(diagnostic: Diagnostic): ExplainedProblem {
  return {
    range: diagnostic.range,
    severity: severityName(diagnostic.severity),
    message: messageText(diagnostic),
    ...(diagnostic.source ? { source: diagnostic.source } : {}),
    ...(diagnostic.code !== undefined ? { code: String(diagnostic.code) } : {}),
  };
}

function fixAction(title: string, uri: string, diagnostics: Diagnostic[]): CodeAction {
  const data: FixData = { parley: 'fix', uri, diagnostics };
  return { title, kind: CodeActionKind.QuickFix, diagnostics, isPreferred: false, data };
}

function explainAction(title: string, uri: string, diagnostics: Diagnostic[]): CodeAction {
  const args: ExplainProblemArgs = { uri, problems: diagnostics.map(explained) };
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics,
    isPreferred: false,
    command: { title, command: ExplainProblemCommand.command, arguments: [args] },
  };
}

/**
 * The actions for the problems in range. One problem: "Fix with Parley" and "Explain with Parley".
 * A few: a pair per problem, titled with its message. Many: a pair for the first problem and a
 * pair for the first MAX_GROUPED together, so the menu stays short however many there are.
 */
export function fixActions(uri: string, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  return [...problemActions(uri, range, diagnostics), ...dismissActions(range, diagnostics)];
}

/**
 * "Dismiss this finding" on each review finding in range: a finding the user judges not a
 * problem leaves the Problems panel and later reviews of the repository.
 */
function dismissActions(range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  return diagnostics.flatMap((diagnostic) => {
    const data = ReviewFindingDataSchema.safeParse(diagnostic.data);
    if (diagnostic.source !== REVIEW_SOURCE || !data.success || !overlaps(range, diagnostic.range)) return [];
    const title = messageText(diagnostic).split('\n', 1)[0]!;
    const args: DismissFindingArgs = { id: data.data.id, folder: data.data.folder, title };
    const label = `Dismiss this finding (not a problem): ${shortMessage(title)}`;
    return [
      {
        title: label,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: false,
        command: { title: label, command: DismissFindingCommand.command, arguments: [args] },
      },
    ];
  });
}

function problemActions(uri: string, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const problems = fixableDiagnostics(range, diagnostics);
  if (problems.length === 0) return [];
  if (problems.length === 1) return [fixAction('Fix with Parley', uri, problems), explainAction('Explain with Parley', uri, problems)];
  const single = problems.length <= MAX_SEPARATE ? problems : problems.slice(0, 1);
  const fixes = single.map((problem) => fixAction(`Fix with Parley: ${shortMessage(messageText(problem))}`, uri, [problem]));
  const explains = single.map((problem) => explainAction(`Explain with Parley: ${shortMessage(messageText(problem))}`, uri, [problem]));
  if (problems.length > MAX_SEPARATE) {
    const grouped = problems.slice(0, MAX_GROUPED);
    const which = grouped.length === problems.length ? `all ${problems.length} problems` : `the first ${grouped.length} of ${problems.length} problems`;
    fixes.push(fixAction(`Fix ${which} here with Parley`, uri, grouped));
    explains.push(explainAction(`Explain ${which} here with Parley`, uri, grouped));
  }
  return [...fixes, ...explains];
}
