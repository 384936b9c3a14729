/**
 * The problems the editor already reports (compilers, linters, tasks), summed up per file, so
 * the review puts "it does not build" ahead of "it could be tidier". Parley's own earlier findings
 * are left out, or each review would report the last one.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { WorkspaceDiagnostic } from '../../../protocol/lsp';
import type { ReviewFinding } from '../../../protocol/review';
import { finding, plural } from './finding';

export const REVIEW_SOURCE = 'Parley';
const MAX_REPORTED = 20;

export interface DiagnosticsSummary {
  errors: number;
  warnings: number;
  /** Files with at least one error or warning. */
  files: number;
  bySource: Record<string, number>;
}

/** The diagnostics inside `root`, keyed by relative path. */
function byFile(root: string, diagnostics: WorkspaceDiagnostic[]): Map<string, WorkspaceDiagnostic[]> {
  const files = new Map<string, WorkspaceDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.source === REVIEW_SOURCE || (diagnostic.severity !== 'error' && diagnostic.severity !== 'warning')) continue;
    const inside = isAbsolute(diagnostic.path) ? relative(root, diagnostic.path) : diagnostic.path;
    if (inside.startsWith('..') || isAbsolute(inside)) continue;
    const path = inside.split(sep).join('/');
    files.set(path, [...(files.get(path) ?? []), diagnostic]);
  }
  return files;
}

export function summarizeDiagnostics(root: string, diagnostics: WorkspaceDiagnostic[]): DiagnosticsSummary {
  const files = byFile(root, diagnostics);
  const all = [...files.values()].flat();
  const bySource: Record<string, number> = {};
  for (const diagnostic of all) bySource[diagnostic.source ?? 'unknown'] = (bySource[diagnostic.source ?? 'unknown'] ?? 0) + 1;
  return {
    errors: all.filter((d) => d.severity === 'error').length,
    warnings: all.filter((d) => d.severity === 'warning').length,
    files: files.size,
    bySource,
  };
}

export function diagnosticFindings(root: string, diagnostics: WorkspaceDiagnostic[]): ReviewFinding[] {
  return [...byFile(root, diagnostics)]
    .map(([path, list]) => ({ path, list, errors: list.filter((d) => d.severity === 'error') }))
    .sort((a, b) => b.errors.length - a.errors.length || b.list.length - a.list.length || (a.path < b.path ? -1 : 1))
    .slice(0, MAX_REPORTED)
    .map(({ path, list, errors }) => {
      const first = errors[0] ?? list[0]!;
      const warnings = list.length - errors.length;
      const sources = [...new Set(list.map((d) => d.source ?? 'unknown'))].join(', ');
      const counts = [errors.length ? plural(errors.length, 'error') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(' and ');
      // Information, not error: the problems themselves are already in the Problems panel.
      return finding({
        file: path,
        line: first.range.start.line + 1,
        severity: 'information',
        kind: 'diagnostics',
        certainty: 'certain',
        title: `${counts} open in ${path} (${sources})`,
        why: `The editor reports ${counts} here, the first at line ${first.range.start.line + 1}: "${first.message.split('\n')[0]}". Code that does not build or lint cleanly hides the problems a review is for.`,
        fix: 'Fix these first; on each squiggle the lightbulb offers Fix with Parley.',
      });
    });
}
