/**
 * The reduce step: findings from every module and every check, with duplicates merged and the
 * rest ranked so the report opens with what to fix first. Two findings are the same when they
 * are in the same file, their lines overlap and their titles say much the same thing; the more
 * severe one is kept (the more detailed one on a tie).
 */
import type { ReviewFinding } from '../../../protocol/review';
import { SEVERITY_ORDER } from '../findings/finding';

const SIMILAR_TITLES = 0.5;
const STOP_WORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'without',
  'from',
  'into',
  'this',
  'that',
  'are',
  'not',
  'can',
  'may',
  'its',
  'has',
  'have',
  'when',
  'which',
]);

function words(title: string): Set<string> {
  return new Set(
    title
      .toLowerCase()
      .split(/[^a-z0-9_]+/)
      .filter((word) => word.length >= 3 && !STOP_WORDS.has(word)),
  );
}

/** Jaccard similarity of the titles' words; a title contained in the other counts as the same. */
export function similarTitles(a: string, b: string): boolean {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  if (left.includes(right) || right.includes(left)) return true;
  const x = words(a);
  const y = words(b);
  const shared = [...x].filter((word) => y.has(word)).length;
  const union = x.size + y.size - shared;
  return union > 0 && shared / union >= SIMILAR_TITLES;
}

function overlaps(a: ReviewFinding, b: ReviewFinding): boolean {
  return a.file === b.file && a.line <= (b.endLine ?? b.line) && b.line <= (a.endLine ?? a.line);
}

function better(a: ReviewFinding, b: ReviewFinding): ReviewFinding {
  const severity = SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity);
  if (severity !== 0) return severity < 0 ? a : b;
  return b.message.length > a.message.length ? b : a;
}

export function dedupe(findings: ReviewFinding[]): ReviewFinding[] {
  const kept: ReviewFinding[] = [];
  for (const candidate of findings) {
    const twin = kept.findIndex((other) => overlaps(other, candidate) && similarTitles(other.title, candidate.title));
    if (twin < 0) kept.push(candidate);
    else kept[twin] = better(kept[twin]!, candidate);
  }
  return kept;
}

/**
 * Most severe first; within a severity, what was found in the code before rules of thumb (a
 * finding whose certainty is `heuristic` comes after every other of its severity), then problems
 * in the code itself (the model's findings, cycles, failing builds) before the signals about where
 * problems may grow. Findings of one kind from many modules (the model's, the editor's) then go by
 * the more central file; a static check's findings keep the order the check gave them (hotspots
 * by commits × lines, cycles by size), which the sort leaves as it is.
 */
const KIND_ORDER: readonly ReviewFinding['kind'][] = ['llm', 'diagnostics', 'cycle', 'untested', 'hotspot', 'large-function', 'todo', 'large-file'];

/** Kinds whose findings come from many modules at once, with no order of their own. */
const BY_CENTRALITY: ReadonlySet<ReviewFinding['kind']> = new Set(['llm', 'diagnostics']);

const heuristic = (finding: ReviewFinding) => (finding.certainty === 'heuristic' ? 1 : 0);

export function rank(findings: ReviewFinding[], fileRank: (path: string) => number): ReviewFinding[] {
  return dedupe(findings).sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      heuristic(a) - heuristic(b) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (BY_CENTRALITY.has(a.kind) ? fileRank(b.file) - fileRank(a.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line) : 0),
  );
}
