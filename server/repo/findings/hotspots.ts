/**
 * Change hotspots: files of production code that are both large and changed often. Churn alone
 * flags configuration files, size alone flags stable generated-looking code; their product points
 * at the code where defects concentrate (the "hotspot" analysis of Tornhill's *Your Code as a
 * Crime Scene*). Tests, examples and scripts are left out: they change with what they follow.
 */
import type { ReviewFinding } from '../../../protocol/review';
import { isCode, type RepoFacts } from './facts';
import { finding, plural } from './finding';
import { isProductionFile } from './untested';

const MIN_COMMITS = 3;
const MIN_LINES = 40;
const MAX_REPORTED = 5;
const WARNING = { commits: 8, lines: 200 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

export function hotspots(facts: RepoFacts): ReviewFinding[] {
  const churn = facts.churn;
  if (!churn) return [];
  // A file must stand out from the repository's usual rate of change, not just pass a floor.
  const floor = Math.max(MIN_COMMITS, 2 * median([...churn.files.values()].map((entry) => entry.commits)));
  return facts.files
    .flatMap((file) => {
      const changed = churn.files.get(file.path);
      // Tests, examples and scripts change with the features they follow; defects concentrate in what ships.
      const product = isCode(file) && isProductionFile(file.path);
      return changed && product && changed.commits >= floor && file.lines >= MIN_LINES ? [{ file, changed, score: changed.commits * file.lines }] : [];
    })
    .sort((a, b) => b.score - a.score || (a.file.path < b.file.path ? -1 : 1))
    .slice(0, MAX_REPORTED)
    .map(({ file, changed }) =>
      finding({
        file: file.path,
        line: 1,
        severity: changed.commits >= WARNING.commits && file.lines >= WARNING.lines ? 'warning' : 'information',
        kind: 'hotspot',
        certainty: 'heuristic',
        key: file.path,
        title: `Change hotspot: ${file.path} (${plural(changed.commits, 'commit')}, ${file.lines} lines)`,
        why: `It changed in ${plural(changed.commits, 'commit')} over the last ${churn.days} days of history${churn.linesCounted === false ? '' : ` (+${changed.added} −${changed.deleted} lines)`} and is ${file.lines} lines long. Large files that keep changing are where defects concentrate and where every change costs the most review. How sure: the commits and lines are counted exactly, but that they point at defects is a statistical rule; a file that changes because it is a list (versions, routes, registrations) is no problem.`,
        fix: 'Find out why it keeps changing: split the parts that change together into their own module, and cover the churning parts with tests before the next change.',
      }),
    );
}
