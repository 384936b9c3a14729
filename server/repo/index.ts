/**
 * The repository index the server keeps per workspace folder: scanned files, their symbols (parsed
 * in worker threads, cached by content hash) and the reference graph, kept current file by file.
 *
 *   const index = new RepoIndex(root, { cacheFile, nativeDir });
 *   await index.refresh();                      // full scan; unchanged files come from the cache
 *   await index.refresh(['src/a.ts']);          // after a save: re-reads and re-parses one file
 *   const map = index.map({ tokens: 1024, focus: ['src/a.ts'] });
 *   await index.dispose();
 */
import { isAbsolute, relative, sep } from 'node:path';
import { errorMessage, type Logger } from '../log';
import { cacheKey, SymbolCache } from './cache';
import { buildGraph, fileNode, NameTable, type FileNode, type ReferenceGraph } from './graph';
import { isParsed, type ParsedLanguage } from './languages';
import { isIgnored } from './list';
import { buildRepoMap, type MapOptions, type RepoMap } from './repomap';
import { excluder, scanOne, scanRepository, vendoredDir, type ScannedFile, type ScanResult, type SkipReason } from './scan';
import { ParserPool } from './symbols/pool';
import type { ParseJob, ParseResult } from './symbols/protocol';
import { NO_REFERENCES, type FileSymbols } from './symbols/types';

export interface RepoIndexOptions {
  /** Gitignore-style patterns to leave out (`parley.review.exclude`). */
  exclude?: string[];
  /**
   * A JSON file where symbols persist, so the next run (or the command line) parses only what
   * changed. A full refresh writes it right after its result has been used (see `saveCache`).
   */
  cacheFile?: string;
  /** The server bundle's native folder (the packaged extension keeps the grammars there). */
  nativeDir?: string;
  /** Parser threads; default min(cores, 4). Ignored with `pool`. */
  poolSize?: number;
  /** Parser threads shared with other indexes; the index then leaves stopping them to their owner. */
  pool?: ParserPool;
  /** Where a cache that could not be written is reported. */
  log?: Logger;
}

export interface RefreshResult {
  /** Files in the index afterwards. */
  files: number;
  /** Files parsed by this refresh (the rest came from the cache or were unchanged). */
  parsed: number;
  removed: number;
  /** Files whose symbols could not be extracted, with the reason. */
  failed: { path: string; error: string }[];
  ms: number;
}

interface Entry {
  file: ScannedFile;
  symbols: FileSymbols;
  node: FileNode;
}

const NO_SYMBOLS: FileSymbols = { defs: [], refs: NO_REFERENCES };

export class RepoIndex {
  private entries = new Map<string, Entry>();
  private skipped = new Map<string, SkipReason>();
  private git = false;
  private graph: ReferenceGraph | undefined;
  private readonly cache: SymbolCache;
  private readonly pool: ParserPool;
  private readonly ownsPool: boolean;
  /** Whether a full refresh has completed: refreshing paths before that builds the whole index. */
  private built = false;
  private readonly excluded: (path: string) => boolean;
  private readonly names = new NameTable();
  private queue: Promise<unknown> = Promise.resolve();
  /** Parses in flight by cache key: files with the same content (and the same refresh) share one. */
  private readonly parsing = new Map<string, { signal?: AbortSignal; result: Promise<ParseResult> }>();
  private pendingSave: NodeJS.Immediate | undefined;
  /** Files handed to a parser since the index was created: an edit should add exactly one. */
  parseCount = 0;

  constructor(
    readonly root: string,
    private readonly options: RepoIndexOptions = {},
  ) {
    this.cache = options.cacheFile ? SymbolCache.load(options.cacheFile) : new SymbolCache();
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? new ParserPool({ size: options.poolSize, nativeDir: options.nativeDir });
    this.excluded = excluder(options.exclude);
  }

  /**
   * Brings the index up to date: the whole repository, or only `changedPaths` (absolute or
   * relative; created, changed or deleted) once the index has been built. Refreshes run one at a
   * time in call order.
   */
  refresh(changedPaths?: string[], signal?: AbortSignal): Promise<RefreshResult> {
    const run = () => (changedPaths && this.built ? this.refreshPaths(changedPaths, signal) : this.refreshAll(signal));
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The repo map for a request; the graph is rebuilt only after files changed. */
  map(options: MapOptions): RepoMap {
    this.graph ??= buildGraph(
      [...this.entries.values()].map((entry) => entry.node).sort((a, b) => (a.path < b.path ? -1 : 1)),
      this.names,
    );
    return buildRepoMap(this.graph, options);
  }

  /** The files as last scanned, and what was skipped. */
  scan(): ScanResult {
    const files = [...this.entries.values()].map((entry) => entry.file).sort((a, b) => (a.path < b.path ? -1 : 1));
    const skipped = [...this.skipped].map(([path, reason]) => ({ path, reason })).sort((a, b) => (a.path < b.path ? -1 : 1));
    return { root: this.root, git: this.git, files, skipped };
  }

  /** A file's definitions and references (empty for languages Parley does not parse). */
  symbols(path: string): FileSymbols | undefined {
    return this.entries.get(path)?.symbols;
  }

  /**
   * Writes the symbol cache now if it changed. A full refresh asks for it on the next turn of the
   * event loop, so whoever awaits the refresh gets the map before the cache is serialised; this
   * writes at once (before another index loads the same file, or the process ends).
   */
  saveCache(): void {
    clearImmediate(this.pendingSave);
    this.pendingSave = undefined;
    if (this.options.cacheFile) this.cache.save(this.options.cacheFile);
  }

  /** Writes a pending cache and stops the parser threads the index owns. */
  async dispose(): Promise<void> {
    try {
      if (this.pendingSave) this.saveCache();
    } finally {
      if (this.ownsPool) await this.pool.dispose();
    }
  }

  private async refreshAll(signal?: AbortSignal): Promise<RefreshResult> {
    const started = performance.now();
    // Parsing starts with the first file read rather than after the whole scan.
    const onFile = (file: ScannedFile) => void (this.known(file) || quiet(this.parse(file, signal)));
    const scan = await scanRepository(this.root, { exclude: this.options.exclude, signal, onFile });
    const { entries, parsed, failed } = await this.index(scan.files, new Map(), signal);
    const removed = [...this.entries.keys()].filter((path) => !entries.has(path)).length;
    this.entries = entries;
    this.skipped = new Map(scan.skipped.map(({ path, reason }) => [path, reason]));
    this.git = scan.git;
    this.graph = undefined;
    this.cache.retain(new Set(scan.files.map(cacheKeyOf).filter((key) => key !== undefined)));
    this.saveSoon();
    this.built = true;
    return { files: entries.size, parsed, removed, failed, ms: performance.now() - started };
  }

  private async refreshPaths(paths: string[], signal?: AbortSignal): Promise<RefreshResult> {
    const started = performance.now();
    const changed: ScannedFile[] = [];
    let removed = 0;
    for (const path of new Set(paths.map((path) => this.relativePath(path)).filter((path) => path !== undefined))) {
      const file = await this.rescan(path, signal);
      if (file) changed.push(file);
      else if (this.entries.delete(path)) removed++;
    }
    const { entries, parsed, failed } = await this.index(changed, this.entries, signal);
    this.entries = entries;
    if (parsed > 0 || removed > 0 || changed.length > 0) this.graph = undefined;
    return { files: entries.size, parsed, removed, failed, ms: performance.now() - started };
  }

  /** A changed path as the full scan would see it, or undefined when it no longer belongs in the index. */
  private async rescan(path: string, signal?: AbortSignal): Promise<ScannedFile | undefined> {
    const result = scanOne(this.root, path, this.excluded);
    this.skipped.delete(path);
    if (!result) return undefined;
    if ('reason' in result) {
      this.skipped.set(result.reason === 'vendored' ? (vendoredDir(path) ?? path) : path, result.reason);
      return undefined;
    }
    const known = this.entries.get(path);
    if (known?.file.hash === result.hash) return undefined;
    if (!known && (await isIgnored(this.root, path, this.git, signal))) return undefined;
    return result;
  }

  /** Symbols known without parsing: cached, or none for a language Parley does not parse. */
  private known(file: ScannedFile): FileSymbols | undefined {
    const key = cacheKeyOf(file);
    return key === undefined ? NO_SYMBOLS : this.cache.get(key);
  }

  /** A file's symbols from a parser thread; a file whose content is already being parsed waits for that parse. */
  private parse(file: ScannedFile, signal?: AbortSignal): Promise<ParseResult> {
    const key = cacheKeyOf(file)!;
    const inFlight = this.parsing.get(key);
    if (inFlight && inFlight.signal === signal) return inFlight.result;
    const job: ParseJob = { file: `${this.root}/${file.path}`, language: file.language as ParsedLanguage };
    const result = this.pool.parseOne(job, signal).finally(() => {
      if (this.parsing.get(key)?.result === result) this.parsing.delete(key);
    });
    this.parsing.set(key, { signal, result });
    this.parseCount++;
    return result;
  }

  /**
   * Adds `files` to a copy of `base`, taking symbols from the cache and parsing the rest (or
   * joining the parses the scan already started). Each file's entry is made as its symbols
   * arrive, while the threads parse the others.
   */
  private async index(files: ScannedFile[], base: Map<string, Entry>, signal?: AbortSignal) {
    const entries = new Map(base);
    const failed: RefreshResult['failed'] = [];
    const parsing: Promise<void>[] = [];
    for (const file of files) {
      const known = this.known(file);
      if (known) {
        entries.set(file.path, this.entry(file, known));
        continue;
      }
      const added = this.parse(file, signal).then((result) => {
        if ('error' in result) failed.push({ path: file.path, error: result.error });
        else this.cache.set(cacheKeyOf(file)!, result.symbols);
        entries.set(file.path, this.entry(file, 'error' in result ? NO_SYMBOLS : result.symbols));
      });
      parsing.push(added);
    }
    await Promise.all(parsing);
    failed.sort((a, b) => (a.path < b.path ? -1 : 1));
    return { entries, parsed: parsing.length, failed };
  }

  /** The cache is written on the next turn of the event loop, after the refresh's caller has its result. */
  private saveSoon(): void {
    if (!this.options.cacheFile || this.pendingSave) return;
    this.pendingSave = setImmediate(() => {
      this.pendingSave = undefined;
      try {
        this.saveCache();
      } catch (error) {
        this.options.log?.warn('Could not write the repository symbol cache', { file: this.options.cacheFile, error: errorMessage(error) });
      }
    });
  }

  private entry(file: ScannedFile, symbols: FileSymbols): Entry {
    // Names arrive from the parser threads (or the cache file) as fresh strings, file by file.
    const { names } = symbols.refs;
    for (let k = 0; k < names.length; k++) names[k] = this.names.intern(names[k]!);
    for (const def of symbols.defs) def.name = this.names.intern(def.name);
    return { file, symbols, node: fileNode(file.path, symbols, this.names) };
  }

  private relativePath(path: string): string | undefined {
    const inside = isAbsolute(path) ? relative(this.root, path) : path;
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
    return inside.split(sep).join('/');
  }
}

/** Marks a promise as handled, so one left behind by a failed scan cannot crash the process; awaiting it still throws. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function cacheKeyOf(file: ScannedFile): string | undefined {
  return isParsed(file.language) ? cacheKey(file.hash, file.language) : undefined;
}

export type { MapFile, MapOptions, MapSymbol, RepoMap } from './repomap';
export type { ScannedFile, ScanResult, SkippedFile } from './scan';
export { scanRepository } from './scan';
export type { Definition, FileSymbols, Reference, SymbolKind } from './symbols/types';
