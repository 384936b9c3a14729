/**
 * Oversized files and functions. The thresholds follow what well-kept code bases show: most
 * functions stay under 45 lines and a file past ~500 lines usually holds two things; well past
 * those, reading, reviewing and testing the unit in one sitting stops working.
 */
import type { ReviewFinding } from '../../../protocol/review';
import type { RepoFacts } from './facts';
import { finding } from './finding';
import { isParsed } from '../languages';

export const FILE_LINES = { information: 500, warning: 1000 };
export const FUNCTION_LINES = { information: 60, warning: 150 };
/** At most this many of each, largest first: a list of 200 long functions helps nobody. */
const MAX_REPORTED = 15;

export function oversizedFiles(facts: RepoFacts): ReviewFinding[] {
  return facts.files
    .filter((file) => isParsed(file.language) && file.lines >= FILE_LINES.information)
    .sort((a, b) => b.lines - a.lines || (a.path < b.path ? -1 : 1))
    .slice(0, MAX_REPORTED)
    .map((file) => {
      const defs = facts.symbols(file.path).defs.filter((def) => def.kind === 'class' || def.kind === 'function' || def.kind === 'interface').length;
      return finding({
        file: file.path,
        line: 1,
        severity: file.lines >= FILE_LINES.warning ? 'warning' : 'information',
        kind: 'large-file',
        title: `Large file: ${file.path} has ${file.lines} lines`,
        why: `At ${file.lines} lines (${defs} top-level definitions) the file is hard to read in one sitting and likely holds more than one responsibility; changes to unrelated parts collide in review and merges.`,
        fix: 'Split it along its responsibilities into smaller modules, each with a name that says what it does.',
      });
    });
}

export function oversizedFunctions(facts: RepoFacts): ReviewFinding[] {
  const found: { path: string; name: string; kind: string; line: number; endLine: number; lines: number }[] = [];
  for (const file of facts.files) {
    for (const def of facts.symbols(file.path).defs) {
      if ((def.kind !== 'function' && def.kind !== 'method') || def.endLine === undefined) continue;
      const lines = def.endLine - def.line + 1;
      if (lines >= FUNCTION_LINES.information) found.push({ path: file.path, name: def.name, kind: def.kind, line: def.line, endLine: def.endLine, lines });
    }
  }
  return found
    .sort((a, b) => b.lines - a.lines || (a.path < b.path ? -1 : 1) || a.line - b.line)
    .slice(0, MAX_REPORTED)
    .map((fn) =>
      finding({
        file: fn.path,
        line: fn.line,
        endLine: fn.endLine,
        severity: fn.lines >= FUNCTION_LINES.warning ? 'warning' : 'information',
        kind: 'large-function',
        title: `Long ${fn.kind}: ${fn.name} is ${fn.lines} lines`,
        why: `${fn.name} spans lines ${fn.line}–${fn.endLine}. A function this long mixes several steps, so its behaviour is hard to test piece by piece and a change to one step risks the others.`,
        fix: `Extract its steps into smaller, named functions (aim for well under ${FUNCTION_LINES.information} lines each) and test them separately.`,
      }),
    );
}
