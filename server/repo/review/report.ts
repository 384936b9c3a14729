/**
 * The review as Markdown: the overview, then the findings ranked, each with why it matters, a link
 * that opens the place (`path#L12`, relative to where the report is written, which VS Code's
 * Markdown preview opens at the line) and the suggested fix.
 */
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import type { ReviewFinding, ReviewResult, ReviewSummary } from '../../../protocol/review';
import { plural } from '../findings/finding';

/** Where links point from: the folder the report is written to (the root itself when printed). */
export interface LinkBase {
  dir: string;
}

/** Model text and file content may hold HTML; the report shows it as text. */
function safe(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cell(text: string): string {
  return safe(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Text in a code span, which Markdown shows literally (entities included), inside a table too. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\n/g, ' ')}\``;
}

export function linkTarget(root: string, file: string, line: number, base: LinkBase): string {
  const absolute = isAbsolute(file) ? file : join(root, file);
  const path = relative(base.dir, absolute).split(sep).join('/') || '.';
  const target = `${path}#L${line}`;
  return /[\s()<>]/.test(target) ? `<${target}>` : target;
}

function where(root: string, file: string, line: number, base: LinkBase, endLine?: number): string {
  const label = endLine && endLine > line ? `${file}:${line}-${endLine}` : `${file}:${line}`;
  return `[${safe(label)}](${linkTarget(root, file, line, base)})`;
}

function counts(summary: ReviewSummary): string {
  const { error, warning, information } = summary.findings;
  const total = error + warning + information;
  const dismissed = summary.dismissed
    ? ` ${plural(summary.dismissed, 'finding')} you dismissed for this repository ${summary.dismissed === 1 ? 'is' : 'are'} not shown (Parley: Restore Dismissed Review Findings, or \`parley review --restore-dismissed\`, brings them back).`
    : '';
  if (total === 0) return `No findings.${dismissed}`;
  return `**${plural(total, 'finding')}**: ${plural(error, 'error')}, ${plural(warning, 'warning')}, ${information} information.${dismissed}`;
}

function llmLine(summary: ReviewSummary): string[] {
  const { llm } = summary;
  switch (llm.state) {
    case 'reviewed': {
      const failed = llm.errors.length ? ` ${plural(llm.errors.length, 'module')} could not be reviewed:` : '';
      return [
        `Model review: ${plural(llm.modules, 'module')} reviewed${llm.model ? ` by ${safe(llm.model)}` : ''}.${failed}`,
        ...llm.errors.map((e) => `- ${code(e.module)}: ${safe(e.error)}`),
      ];
    }
    case 'not-configured':
      return ['Model review: **not configured**, so this report has the static checks only (see the end of the report).'];
    case 'skipped':
      return ['Model review: skipped (static checks only, as asked).'];
  }
}

function noHistory(summary: ReviewSummary): string {
  if (!summary.gitWithheld) return 'Change hotspots need git history; this folder has none, so they were not checked.';
  return "Change hotspots need git history, which Parley reads only in a trusted workspace (a repository's git configuration can name programs that git runs); trust the workspace to check them.";
}

function header(summary: ReviewSummary): string[] {
  const when = new Date(summary.reviewedAt).toISOString().replace('T', ' ').slice(0, 16);
  const commit = summary.commit
    ? `commit ${summary.commit.slice(0, 10)}${summary.clean ? '' : ' with uncommitted changes'}`
    : summary.gitWithheld
      ? 'git not read (Restricted Mode)'
      : 'not a git repository';
  const cached = summary.cached ? ' · opened from the cache of this commit' : '';
  return [
    `# Repository review: ${safe(basename(summary.root))}`,
    '',
    `${code(summary.root)} · ${commit} · ${when} UTC · ${plural(summary.files, 'file')}, ${summary.lines.toLocaleString('en')} lines · ${(summary.durationMs / 1000).toFixed(1)} s${cached}`,
    '',
    counts(summary),
    '',
    ...llmLine(summary),
    ...(summary.churn ? [] : ['', noHistory(summary)]),
  ];
}

function overview(summary: ReviewSummary, base: LinkBase): string[] {
  const share = (rank: number) => `${Math.round(rank * 100)}%`;
  const skipped = Object.entries(summary.skipped).map(([reason, count]) => `${count} ${reason}`);
  return [
    '## Overview',
    '',
    '### Languages',
    '',
    '| Language | Files | Lines |',
    '|---|---:|---:|',
    ...summary.languages.map((l) => `| ${cell(l.language)} | ${l.files} | ${l.lines.toLocaleString('en')} |`),
    '',
    '### Main modules',
    '',
    "By their share of the repository's PageRank: how much of the code depends on them.",
    '',
    '| Module | Files | Lines | Centrality | Depends on |',
    '|---|---:|---:|---:|---|',
    ...summary.modules.map(
      (m) => `| ${code(m.name)} | ${m.files} | ${m.lines.toLocaleString('en')} | ${share(m.rank)} | ${m.dependsOn.map(code).join(', ') || '—'} |`,
    ),
    '',
    '### Most central symbols',
    '',
    ...(summary.centralSymbols.length
      ? summary.centralSymbols.map((s) => `- ${code(s.name)} (${s.kind}) in ${where(summary.root, s.file, s.line, base)}: ${code(s.signature)}`)
      : ['(no symbols: no file in a language Parley parses)']),
    ...(skipped.length ? ['', `Not read: ${skipped.join(', ')} files (vendored, generated, binary, too large or excluded by \`parley.review.exclude\`).`] : []),
  ];
}

function findingSection(finding: ReviewFinding, index: number, root: string, base: LinkBase): string[] {
  const source =
    finding.kind === 'llm'
      ? 'model review'
      : `static check: ${finding.kind}${finding.certainty && finding.certainty !== 'certain' ? ` (${finding.certainty})` : ''}`;
  return [
    `### ${index + 1}. ${finding.severity === 'information' ? 'Info' : finding.severity === 'error' ? 'Error' : 'Warning'}: ${safe(finding.title)}`,
    '',
    `**Where:** ${where(root, finding.file, finding.line, base, finding.endLine)} · ${source}`,
    ...(finding.related?.length ? ['', ...finding.related.map((r) => `- also ${where(root, r.file, r.line, base)}: ${safe(r.note)}`)] : []),
    '',
    `**Why it matters:** ${safe(finding.why)}`,
    '',
    `**Suggested fix:** ${safe(finding.fix)}`,
    '',
    `<sub>Finding ${code(finding.id)}: if it is not a problem, dismiss it (the quick fix "Dismiss this finding" in Problems, or \`parley review --dismiss ${finding.id}\`) to leave it out of later reviews of this repository.</sub>`,
  ];
}

function llmHint(summary: ReviewSummary): string[] {
  if (summary.llm.state !== 'not-configured') return [];
  return [
    '## What the model review would add',
    '',
    "With a language model, Parley also reads the code of the main modules, with the repository map, these findings and the editor's diagnostics as context, and reports bugs, risky error handling, security problems and design issues, each with the lines and a suggested fix.",
    '',
    `To turn it on: ${safe(summary.llm.hint ?? 'configure a language model.')}`,
  ];
}

export function renderReport(result: Omit<ReviewResult, 'markdown' | 'reportPath'>, base: LinkBase): string {
  const { summary, findings } = result;
  const sections = [
    header(summary),
    overview(summary, base),
    [
      '## Findings',
      '',
      ...(findings.length
        ? ['Most severe first; within a severity, problems in the code before signals of where problems grow, then by how central the file is.']
        : ['Nothing to report.']),
    ],
    ...findings.map((finding, index) => findingSection(finding, index, summary.root, base)),
    llmHint(summary),
  ];
  return `${sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}
