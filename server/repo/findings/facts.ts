/**
 * Everything the static checks and the report read about a repository, gathered once from the
 * index and git: files, symbols, ranks, imports and change history.
 */
import type { RepoIndex } from '../index';
import type { RepoMap } from '../repomap';
import type { ScannedFile, SkippedFile } from '../scan';
import { NO_REFERENCES, type FileSymbols } from '../symbols/types';
import { buildImportGraph, type ImportGraph } from '../imports/graph';
import { churn, headState, type Churn, type HeadState } from './git';

export interface RepoFacts {
  root: string;
  files: ScannedFile[];
  skipped: SkippedFile[];
  symbols(path: string): FileSymbols;
  /** Every file's PageRank (they sum to 1). */
  rank: Map<string, number>;
  /** The repo map within the review's budget: the context every model call starts from. */
  map: RepoMap;
  /** Which file imports which, resolved as each language does. */
  imports: ImportGraph;
  head: HeadState | undefined;
  /** Undefined outside git, or when git could not read the history. */
  churn: Churn | undefined;
}

export interface FactOptions {
  /** Token budget of the repo map. */
  mapTokens?: number;
  churnDays?: number;
  signal?: AbortSignal;
}

/** Prose, data and configuration: counted in the overview, but not code a check should judge. */
const NOT_CODE = new Set(['markdown', 'json', 'yaml', 'toml', 'xml', 'html']);

export function isCode(file: ScannedFile): boolean {
  return file.language !== undefined && !NOT_CODE.has(file.language);
}

const NO_SYMBOLS: FileSymbols = { defs: [], refs: NO_REFERENCES };
export const DEFAULT_MAP_TOKENS = 1024;

/** Reads the facts from an index that has been refreshed. */
export async function gatherFacts(index: RepoIndex, options: FactOptions = {}): Promise<RepoFacts> {
  const { files, skipped, git } = index.scan();
  const symbols = (path: string) => index.symbols(path) ?? NO_SYMBOLS;
  const map = index.map({ tokens: options.mapTokens ?? DEFAULT_MAP_TOKENS });
  const head = git ? await headState(index.root, options.signal) : undefined;
  return {
    root: index.root,
    files,
    skipped,
    symbols,
    rank: new Map(map.ranking.map(({ path, rank }) => [path, rank])),
    map,
    imports: buildImportGraph(
      index.root,
      files.map((file) => ({ path: file.path, symbols: symbols(file.path) })),
    ),
    head,
    churn: head ? await churn(index.root, head, { days: options.churnDays, signal: options.signal }) : undefined,
  };
}
