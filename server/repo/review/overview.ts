/**
 * The report's overview: languages and size, the main modules and what each depends on, and the
 * most central symbols of the repo map.
 */
import type { CentralSymbol, LanguageShare, ModuleSummary } from '../../../protocol/review';
import { moduleDependencies, moduleOf } from '../findings/dependencies';
import type { RepoFacts } from '../findings/facts';

const MAX_MODULES = 10;
const MAX_DEPENDENCIES = 6;
const MAX_SYMBOLS = 12;

export function languages(facts: RepoFacts): LanguageShare[] {
  const shares = new Map<string, LanguageShare>();
  for (const file of facts.files) {
    const language = file.language ?? 'other';
    const share = shares.get(language) ?? { language, files: 0, lines: 0 };
    share.files++;
    share.lines += file.lines;
    shares.set(language, share);
  }
  return [...shares.values()].sort((a, b) => b.lines - a.lines || (a.language < b.language ? -1 : 1));
}

export function mainModules(facts: RepoFacts): ModuleSummary[] {
  const modules = new Map<string, ModuleSummary>();
  for (const file of facts.files) {
    const name = moduleOf(file.path);
    const module = modules.get(name) ?? { name, files: 0, lines: 0, rank: 0, dependsOn: [] };
    module.files++;
    module.lines += file.lines;
    module.rank += facts.rank.get(file.path) ?? 0;
    modules.set(name, module);
  }
  const uses = moduleDependencies(facts.imports.edges);
  for (const module of modules.values()) {
    const edges = [...(uses.get(module.name)?.values() ?? [])].sort((a, b) => b.uses - a.uses || (a.to < b.to ? -1 : 1));
    module.dependsOn = edges.slice(0, MAX_DEPENDENCIES).map((edge) => edge.to);
  }
  return [...modules.values()].sort((a, b) => b.rank - a.rank || b.lines - a.lines).slice(0, MAX_MODULES);
}

export function centralSymbols(facts: RepoFacts): CentralSymbol[] {
  return facts.map.files
    .flatMap((file) =>
      file.symbols.map((symbol) => ({
        name: symbol.name,
        kind: symbol.kind,
        file: file.path,
        line: symbol.line,
        signature: symbol.signature,
        rank: symbol.rank,
      })),
    )
    .sort((a, b) => b.rank - a.rank)
    .slice(0, MAX_SYMBOLS)
    .map(({ rank: _rank, ...symbol }) => symbol);
}
