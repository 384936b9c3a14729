/**
 * Symbols by content hash: a file whose bytes did not change is never parsed again, whatever its
 * mtime or path says (a branch switch back, a copy, a touch). The cache can live in one JSON file so
 * the command line benefits as much as the server. Entries are written as tuples because a large
 * repository has hundreds of thousands of references and repeated keys would double the file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ParsedLanguage } from './languages';
import { QUERY_VERSION } from './symbols/queries';
import type { ImportStatement } from './imports/types';
import type { Definition, FileSymbols, SymbolKind } from './symbols/types';

type DefTuple = [name: string, kind: SymbolKind, line: number, signature: string, endLine?: number];
type RefTuple = [name: string, line: number];
type Entry = [DefTuple[], RefTuple[]] | [DefTuple[], RefTuple[], ImportStatement[]];

interface CacheFile {
  version: number;
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
    symbols.refs.map((ref) => [ref.name, ref.line]),
  ];
  return symbols.imports ? [encoded[0], encoded[1], symbols.imports] : encoded;
}

function decode([defs, refs, imports]: Entry): FileSymbols {
  return {
    ...(imports ? { imports } : {}),
    defs: defs.map(([name, kind, line, signature, endLine]): Definition =>
      endLine === undefined ? { name, kind, line, signature } : { name, kind, line, endLine, signature },
    ),
    refs: refs.map(([name, line]) => ({ name, line })),
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
      if (data.version !== QUERY_VERSION) return cache;
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
    const data: CacheFile = { version: QUERY_VERSION, entries: {} };
    for (const [key, symbols] of this.entries) data.entries[key] = encode(symbols);
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(data));
    renameSync(temporary, file);
    this.changed = false;
  }
}
