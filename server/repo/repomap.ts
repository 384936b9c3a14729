/**
 * The repo map: the repository's most important definitions, ranked by PageRank over the
 * reference graph and personalised to what the user is looking at, rendered as
 * `path:\n  line│ signature` blocks within a token budget. This is the context the LLM sees for
 * reviews, fixes and the voice session.
 */
import { basename, extname } from 'node:path';
import type { ReferenceGraph } from './graph';
import { pageRank, type Ranks } from './pagerank';
import type { SymbolKind } from './symbols/types';

export interface MapOptions {
  /** Token budget for the text (tokens estimated as characters / 4). */
  tokens: number;
  /** Files in focus (relative paths): the active editor, files a question is about. */
  focus?: string[];
  /** Identifiers the user mentioned; their definitions and the files named after them rise. */
  mentioned?: string[];
}

export interface MapSymbol {
  name: string;
  kind: SymbolKind;
  line: number;
  signature: string;
  rank: number;
}

export interface MapFile {
  path: string;
  /** The file's PageRank (all files' ranks sum to 1). */
  rank: number;
  symbols: MapSymbol[];
}

export interface MapStats {
  files: number;
  definitions: number;
  references: number;
  edges: number;
  /** Definitions in the rendered map. */
  shown: number;
  rankMs: number;
}

export interface RepoMap {
  text: string;
  /** Estimated tokens of `text`. */
  tokens: number;
  /** The files in the rendered map, most important first, with the symbols shown. */
  files: MapFile[];
  /** Every file by PageRank, highest first: the review overview's "main modules". */
  ranking: { path: string; rank: number }[];
  stats: MapStats;
}

/** A definition with its share of the rank, tied to its file's index in the graph. */
interface RankedDefinition extends MapSymbol {
  file: number;
}

const MENTIONED_MULTIPLIER = 10;
const FOCUS_REFERENCER_MULTIPLIER = 50;
/**
 * Part of the teleport that stays uniform when files are in focus. Aider sends all of it to the
 * focus files; keeping a tenth everywhere still lets the rest of the repository be ordered when a
 * focus file has no references at all.
 */
const UNIFORM_TELEPORT_SHARE = 0.1;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fileIndices(graph: ReferenceGraph, paths: string[]): Set<number> {
  const wanted = new Set(paths);
  const found = new Set<number>();
  graph.files.forEach((file, index) => wanted.has(file.path) && found.add(index));
  return found;
}

/** Files named after a mentioned identifier (`parseConfig` → parse_config.py, parseConfig.ts). */
function filesNamedAfter(graph: ReferenceGraph, mentioned: Set<string>): number[] {
  const simplified = new Set([...mentioned].map((name) => name.toLowerCase().replace(/[_-]/g, '')));
  const named: number[] = [];
  graph.files.forEach((file, index) => {
    const stem = basename(file.path, extname(file.path)).toLowerCase().replace(/[_-]/g, '');
    if (simplified.has(stem)) named.push(index);
  });
  return named;
}

function personalization(graph: ReferenceGraph, favoured: Set<number>): Float64Array | undefined {
  if (favoured.size === 0) return undefined;
  const nodes = graph.files.length;
  const vector = new Float64Array(nodes).fill(UNIFORM_TELEPORT_SHARE / nodes);
  for (const index of favoured) vector[index]! += (1 - UNIFORM_TELEPORT_SHARE) / favoured.size;
  return vector;
}

/** The reference pairs' weights with this request's mentions and focus applied. */
function requestWeights(graph: ReferenceGraph, focus: Set<number>, mentioned: Set<string>): Float64Array {
  const weights = Float64Array.from(graph.refWeight);
  if (focus.size === 0 && mentioned.size === 0) return weights;
  const mentionedIdents = new Set(graph.idents.flatMap((name, id) => (mentioned.has(name) ? [id] : [])));
  for (let pair = 0; pair < weights.length; pair++) {
    if (mentionedIdents.has(graph.refIdent[pair]!)) weights[pair]! *= MENTIONED_MULTIPLIER;
    if (focus.has(graph.refFile[pair]!)) weights[pair]! *= FOCUS_REFERENCER_MULTIPLIER;
  }
  return weights;
}

/** A definition by position: files[file].defs[at]. Files are sorted by path, so `file` orders by path. */
interface Candidate {
  rank: number;
  file: number;
  at: number;
}

function byRank(a: Candidate, b: Candidate): number {
  return b.rank - a.rank || a.file - b.file || a.at - b.at;
}

function candidates(graph: ReferenceGraph, ranks: Ranks, referenced: boolean): Candidate[] {
  const found: Candidate[] = [];
  for (let file = 0; file < graph.files.length; file++) {
    const { defIds } = graph.files[file]!;
    for (let at = 0; at < defIds.length; at++) {
      const ident = graph.identOf[defIds[at]!]!;
      const rank = ident < 0 ? 0 : ranks.idents[ident]!;
      if (rank > 0 === referenced) found.push({ rank, file, at });
    }
  }
  return found;
}

/** The candidates that can be among the best `limit`, found with a numeric sort instead of a full comparison sort. */
function contenders(found: Candidate[], limit: number): Candidate[] {
  if (found.length <= limit) return found;
  const sorted = Float64Array.from(found, (candidate) => candidate.rank).sort();
  const threshold = sorted[sorted.length - limit]!;
  return found.filter((candidate) => candidate.rank >= threshold);
}

/**
 * The best `limit` definitions: those the graph points at by their share of the rank, then (only
 * when a large budget needs them) the rest by their file's rank, so the map still shows what exists.
 */
function rankDefinitions(graph: ReferenceGraph, ranks: Ranks, limit: number): RankedDefinition[] {
  let best = contenders(candidates(graph, ranks, true), limit).sort(byRank);
  if (best.length < limit) {
    const rest = candidates(graph, ranks, false).sort((a, b) => ranks.files[b.file]! - ranks.files[a.file]! || byRank(a, b));
    best = best.concat(rest);
  }
  return best.slice(0, limit).map(({ rank, file, at }) => ({ ...graph.files[file]!.defs[at]!, rank, file }));
}

/** Files in the order of their best definition; each file's definitions by line, one per line. */
function group(graph: ReferenceGraph, ranks: Ranks, selected: RankedDefinition[]): MapFile[] {
  const files = new Map<number, MapSymbol[]>();
  for (const { file, ...symbol } of selected) {
    const symbols = files.get(file) ?? [];
    if (!symbols.some((other) => other.line === symbol.line)) symbols.push(symbol);
    files.set(file, symbols);
  }
  return [...files].map(([file, symbols]) => ({ path: graph.files[file]!.path, rank: ranks.files[file]!, symbols: symbols.sort((a, b) => a.line - b.line) }));
}

export function renderFiles(files: MapFile[]): string {
  return files
    .map(({ path, symbols }) => {
      const width = String(symbols.at(-1)?.line ?? 0).length;
      return [`${path}:`, ...symbols.map((symbol) => `  ${String(symbol.line).padStart(width)}│ ${symbol.signature}`)].join('\n');
    })
    .join('\n');
}

/** The largest prefix of `ranked` whose rendering fits in `tokens`, by binary search. */
function fit(graph: ReferenceGraph, ranks: Ranks, ranked: RankedDefinition[], tokens: number): MapFile[] {
  let low = 0;
  let high = ranked.length;
  let best: MapFile[] = [];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    const files = group(graph, ranks, ranked.slice(0, middle));
    if (estimateTokens(renderFiles(files)) <= tokens) {
      low = middle;
      best = files;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

export function buildRepoMap(graph: ReferenceGraph, options: MapOptions): RepoMap {
  const started = performance.now();
  const focus = fileIndices(graph, options.focus ?? []);
  const mentioned = new Set(options.mentioned ?? []);
  const favoured = new Set([...focus, ...filesNamedAfter(graph, mentioned)]);
  const weights = requestWeights(graph, focus, mentioned);
  const ranks = pageRank(graph, weights, { personalization: personalization(graph, favoured) });
  // A shown definition costs at least a few tokens, so the budget bounds how many can fit.
  const files = fit(graph, ranks, rankDefinitions(graph, ranks, Math.max(0, Math.floor(options.tokens / 2))), options.tokens);
  const text = renderFiles(files);
  const ranking = graph.files
    .map((file, index) => ({ path: file.path, rank: ranks.files[index]! }))
    .sort((a, b) => b.rank - a.rank || compareText(a.path, b.path));
  const stats: MapStats = {
    files: graph.files.length,
    definitions: graph.definitions,
    references: graph.references,
    edges: graph.edges,
    shown: files.reduce((sum, file) => sum + file.symbols.length, 0),
    rankMs: performance.now() - started,
  };
  return { text, tokens: estimateTokens(text), files, ranking, stats };
}
