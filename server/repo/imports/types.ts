/** An import statement as written in a file, before it is resolved to a file. Lines are 1-based. */
export interface ImportStatement {
  /** The module as written: `./a.js`, `@scope/pkg`, `a.b.c`, `..pkg.mod`, `example.com/m/pkg`. */
  specifier: string;
  line: number;
  /** Python `from m import a, b`: the imported names, each of which may be a submodule. */
  names?: string[];
  /** Only types cross: `import type`, `export type … from`, every specifier `type`, a Python import under `if TYPE_CHECKING:`. */
  typeOnly?: boolean;
  /** Loaded when code runs, not when the file loads: `import('…')`, a Python import inside a function. */
  dynamic?: boolean;
}
