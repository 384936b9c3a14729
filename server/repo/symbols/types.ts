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

export interface FileSymbols {
  defs: Definition[];
  refs: Reference[];
  /** What the file imports, for the languages whose imports are resolved (absent otherwise). */
  imports?: ImportStatement[];
}
