import type { ImportStatement } from '../imports/types';
/** What symbol extraction produces for one file. Lines are 1-based. */

export type SymbolKind = 'class' | 'interface' | 'enum' | 'type' | 'function' | 'method' | 'module' | 'macro' | 'property' | 'constant' | 'variable';

export interface Definition {
  name: string;
  kind: SymbolKind;
  line: number;
  /**
   * The last line of the whole definition (a function's closing brace), for size checks. Absent
   * in symbols cached before it was extracted.
   */
  endLine?: number;
  /** The definition's source line, trimmed and shortened: what the repo map shows. */
  signature: string;
}

export interface Reference {
  name: string;
  line: number;
}

/**
 * A file's references, packed: each distinct name once, and each use in source order as its
 * name's index and its line. A large repository has hundreds of thousands of references; as
 * objects each costs about 90 bytes (object and string), packed 8, and a batch of them crosses
 * from a parser thread as a few arrays instead of thousands of objects.
 */
export interface References {
  names: string[];
  /** `uses[2k]` is the index in `names` of the k-th use, `uses[2k + 1]` its line. */
  uses: Int32Array;
}

export const NO_REFERENCES: References = { names: [], uses: new Int32Array(0) };

/** Packs references given one by one (the tag query's captures, or a test's list). */
export function packReferences(list: Iterable<Reference>): References {
  const index = new Map<string, number>();
  const uses: number[] = [];
  for (const { name, line } of list) {
    let at = index.get(name);
    if (at === undefined) index.set(name, (at = index.size));
    uses.push(at, line);
  }
  return { names: [...index.keys()], uses: Int32Array.from(uses) };
}

/** The references one by one, in source order. */
export function* eachReference(refs: References): Generator<Reference> {
  for (let k = 0; k < refs.uses.length; k += 2) yield { name: refs.names[refs.uses[k]!]!, line: refs.uses[k + 1]! };
}

export function referenceCount(refs: References): number {
  return refs.uses.length / 2;
}

export interface FileSymbols {
  defs: Definition[];
  refs: References;
  /** What the file imports, for the languages whose imports are resolved (absent otherwise). */
  imports?: ImportStatement[];
}
