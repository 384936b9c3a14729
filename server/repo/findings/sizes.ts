/**
 * Oversized files and functions, one finding per module (its folder, see moduleOf) with the worst
 * few named, so a module with twelve long functions is one thing to look at and not twelve lines
 * that bury everything else. The thresholds follow what well-kept code bases show: most
 * functions stay under 45 lines and a file past ~500 lines usually holds two things; well past
 * those, reading, reviewing and testing the unit in one sitting stops working. Tests and
 * declaration files are left out: a long test is usually a table of cases, and a .d.ts declares.
 * Outside production code (examples, scripts, benchmarks) a size finding is information at most.
 */
import type { RelatedLocation, ReviewFinding } from '../../../protocol/review';
import { isTestFile } from '../imports/graph';
import { isParsed } from '../languages';
import { moduleOf } from './dependencies';
import type { RepoFacts } from './facts';
import { finding, plural } from './finding';
import { isProductionFile } from './untested';

export const FILE_LINES = { information: 500, warning: 1000 };
export const FUNCTION_LINES = { information: 60, warning: 150 };
/** Modules reported for each of files and functions, worst first. */
const MAX_MODULES = 5;
/** Items named in one module's finding; the rest are counted. */
const MAX_NAMED = 3;
const MAX_RELATED = 20;

/** Why size is a rule of thumb, said in every size finding. */
const HEDGE = 'Size alone does not make code wrong: a long table of cases or a flat sequence can read fine, so read it before splitting.';

interface Oversized {
  path: string;
  line: number;
  endLine?: number;
  lines: number;
  /** `planEngineRun` for a function; the path for a file. */
  name: string;
  kind: string;
}

function judged(facts: RepoFacts) {
  return facts.files.filter((file) => isParsed(file.language) && !isTestFile(file.path) && !/\.d\.[cm]?ts$/.test(file.path));
}

/** Items grouped by module, each group worst first, the groups by their worst. */
function byModule(items: Oversized[]): { module: string; items: Oversized[] }[] {
  const groups = new Map<string, Oversized[]>();
  for (const item of items) groups.set(moduleOf(item.path), [...(groups.get(moduleOf(item.path)) ?? []), item]);
  const worstFirst = (a: Oversized, b: Oversized) => b.lines - a.lines || (a.path < b.path ? -1 : 1) || a.line - b.line;
  return [...groups]
    .map(([module, list]) => ({ module, items: list.sort(worstFirst) }))
    .sort((a, b) => worstFirst(a.items[0]!, b.items[0]!))
    .slice(0, MAX_MODULES);
}

/** `a (610 lines), b (300 lines) and 4 more`, with each item's place when they are in several files. */
function worstFew(items: Oversized[], place: (item: Oversized) => string): string {
  const named = items.slice(0, MAX_NAMED).map((item) => `${place(item)} (${item.lines} lines)`);
  const more = items.length > MAX_NAMED ? ` and ${items.length - MAX_NAMED} more` : '';
  return `${named.join(', ')}${more}`;
}

function related(items: Oversized[]): RelatedLocation[] {
  return items.slice(1, MAX_RELATED + 1).map((item) => ({ file: item.path, line: item.line, note: `${item.name}: ${item.lines} lines` }));
}

export function oversizedFiles(facts: RepoFacts): ReviewFinding[] {
  const large: Oversized[] = judged(facts)
    .filter((file) => file.lines >= FILE_LINES.information)
    .map((file) => ({ path: file.path, line: 1, lines: file.lines, name: file.path, kind: 'file' }));
  const definitions = (path: string) =>
    facts.symbols(path).defs.filter((def) => def.kind === 'class' || def.kind === 'function' || def.kind === 'interface').length;
  return byModule(large).map(({ module, items }) => {
    const worst = items[0]!;
    const severity = worst.lines >= FILE_LINES.warning && isProductionFile(worst.path) ? 'warning' : 'information';
    const cost = 'changes to unrelated parts collide in review and merges.';
    const common = { file: worst.path, line: 1, severity, kind: 'large-file', certainty: 'heuristic', key: module } as const;
    if (items.length === 1)
      return finding({
        ...common,
        title: `Large file: ${worst.path} has ${worst.lines} lines`,
        why: `At ${worst.lines} lines (${definitions(worst.path)} top-level definitions) the file is hard to read in one sitting and likely holds more than one responsibility; ${cost} ${HEDGE}`,
        fix: 'Split it along its responsibilities into smaller modules, each with a name that says what it does.',
      });
    return finding({
      ...common,
      // Not the largest file's path: the review would take this for that file's hotspot finding and keep one.
      title: `${plural(items.length, 'large file')} in ${module}, up to ${worst.lines} lines`,
      why: `${plural(items.length, 'file')} in ${module} are over ${FILE_LINES.information} lines: ${worstFew(items, (item) => item.path)}. Files this long are hard to read in one sitting and likely hold more than one responsibility; ${cost} ${HEDGE}`,
      fix: `Start with ${worst.path}: split it along its responsibilities into smaller modules, each with a name that says what it does.`,
      related: related(items),
    });
  });
}

export function oversizedFunctions(facts: RepoFacts): ReviewFinding[] {
  const long: Oversized[] = [];
  for (const file of judged(facts)) {
    for (const def of facts.symbols(file.path).defs) {
      if ((def.kind !== 'function' && def.kind !== 'method') || def.endLine === undefined) continue;
      const lines = def.endLine - def.line + 1;
      if (lines >= FUNCTION_LINES.information) long.push({ path: file.path, name: def.name, kind: def.kind, line: def.line, endLine: def.endLine, lines });
    }
  }
  const fix = `Extract its steps into smaller, named functions (aim for well under ${FUNCTION_LINES.information} lines each) and test them separately.`;
  return byModule(long).map(({ module, items }) => {
    const worst = items[0]!;
    const severity = worst.lines >= FUNCTION_LINES.warning && isProductionFile(worst.path) ? 'warning' : 'information';
    const base = { file: worst.path, line: worst.line, endLine: worst.endLine, severity, kind: 'large-function', certainty: 'heuristic', key: module } as const;
    const cost = 'mixes several steps, so its behaviour is hard to test piece by piece and a change to one step risks the others.';
    if (items.length === 1)
      return finding({
        ...base,
        title: `Long ${worst.kind}: ${worst.name} is ${worst.lines} lines`,
        why: `${worst.name} in ${worst.path} spans lines ${worst.line}–${worst.endLine}. A function this long ${cost} ${HEDGE}`,
        fix,
      });
    const files = new Set(items.map((item) => item.path));
    const inOneFile = files.size === 1;
    const place = inOneFile ? (item: Oversized) => `${item.name} at line ${item.line}` : (item: Oversized) => `${item.name} in ${item.path}`;
    return finding({
      ...base,
      title: `${plural(items.length, 'long function')} in ${inOneFile ? worst.path : module}, the longest ${worst.name} with ${worst.lines} lines`,
      why: `${plural(items.length, 'function')}${inOneFile ? '' : ` in ${plural(files.size, 'file')}`} of ${module} run past ${FUNCTION_LINES.information} lines: ${worstFew(items, place)}. A function this long ${cost} ${HEDGE}`,
      fix: `Start with ${worst.name}: ${fix[0]!.toLowerCase()}${fix.slice(1)}`,
      related: related(items),
    });
  });
}
