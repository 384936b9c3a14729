/**
 * Symbols by content hash: a file whose bytes did not change is never parsed again, whatever its
 * mtime or path says (a branch switch back, a copy, a touch). The cache can live in one JSON file so
 * the command line benefits as much as the server. Entries are written as tuples, and references
 * packed as they are in memory, because a large repository has hundreds of thousands of them and
 * repeated keys would double the file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ParsedLanguage } from './languages';
import { QUERY_VERSION } from './symbols/queries';
import type { ImportStatement } from './imports/types';
import type { Definition, FileSymbols, SymbolKind } from './symbols/types';

type DefTuple = [name: string, kind: SymbolKind, line: number, signature: string, endLine?: number];
/** References as in memory: the distinct names, then (name index, line) pairs. */
type RefsTuple = [names: string[], uses: number[]];
type Entry = [DefTuple[], RefsTuple] | [DefTuple[], RefsTuple, ImportStatement[]];

/** How entries are written; a file in another format is read as no cache. */
const FORMAT = 2;

interface CacheFile {
  version: number;
  format?: number;
  entries: Record<string, Entry>;
}

export function cacheKey(hash: string, language: ParsedLanguage): string {
  return `${language}:${hash}`;
}

function encode(symbols: FileSymbols): Entry {
  const encoded: Entry = [
    symbols.defs.map((def) =>
      def.endLine === undefined ? [def.name, def.kind, def.line, def.signature] : [def.name, def.kind, def.line, def.signature, def.endLine],
    ),
    [symbols.refs.names, Array.from(symbols.refs.uses)],
  ];
  return symbols.imports ? [encoded[0], encoded[1], symbols.imports] : encoded;
}

function decode([defs, refs, imports]: Entry): FileSymbols {
  return {
    ...(imports ? { imports } : {}),
    defs: defs.map(([name, kind, line, signature, endLine]): Definition =>
      endLine === undefined ? { name, kind, line, signature } : { name, kind, line, endLine, signature },
    ),
    refs: { names: refs[0], uses: Int32Array.from(refs[1]) },
  };
}

export class SymbolCache {
  private readonly entries = new Map<string, FileSymbols>();
  /** Entries changed since the cache was loaded or saved. */
  private changed = false;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): FileSymbols | undefined {
    return this.entries.get(key);
  }

  set(key: string, symbols: FileSymbols): void {
    this.entries.set(key, symbols);
    this.changed = true;
  }

  /** Forgets every entry not in `live`, so the cache does not grow with each edit. */
  retain(live: Set<string>): void {
    for (const key of this.entries.keys()) {
      if (live.has(key)) continue;
      this.entries.delete(key);
      this.changed = true;
    }
  }

  /** A cache from `file`; empty when the file is missing, unreadable or from other queries. */
  static load(file: string): SymbolCache {
    const cache = new SymbolCache();
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      if (data.version !== QUERY_VERSION || data.format !== FORMAT) return cache;
      for (const [key, entry] of Object.entries(data.entries)) cache.entries.set(key, decode(entry));
    } catch {
      // No cache yet, or a damaged one: parsing again is the recovery.
    }
    return cache;
  }

  /**
   * Writes through a temporary file so a crash never leaves half a cache behind; a cache that has
   * not changed since it was loaded or saved is not written again.
   */
  save(file: string): void {
    if (!this.changed && existsSync(file)) return;
    const data: CacheFile = { version: QUERY_VERSION, format: FORMAT, entries: {} };
    for (const [key, symbols] of this.entries) data.entries[key] = encode(symbols);
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(data));
    renameSync(temporary, file);
    this.changed = false;
  }
}
