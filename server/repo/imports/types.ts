/** An import statement as written in a file, before it is resolved to a file. Lines are 1-based. */
export interface ImportStatement {
  /**
   * The module as written: `./a.js`, `@scope/pkg`, `a.b.c`, `..pkg.mod`, `example.com/m/pkg`, Rust
   * `crate::a::b` (a `use` tree is one statement per path) or `a` for `mod a;`, Java `a.b.C` or
   * `a.b.*`, C# `A.B`, C `x.h`.
   */
  specifier: string;
  line: number;
  /** Python `from m import a, b`: the imported names, each of which may be a submodule. */
  names?: string[];
  /** Only types cross: `import type`, `export type … from`, every specifier `type`, a Python import under `if TYPE_CHECKING:`. */
  typeOnly?: boolean;
  /** Loaded when code runs, not when the file loads: `import('…')`, a Python import inside a function. */
  dynamic?: boolean;
  /** Compiled only for tests: under Rust's `#[cfg(test)]`. */
  test?: boolean;
  /**
   * What the statement is when it is not a plain import: a Rust `mod a;` (`module`) or inline
   * `mod a { … }` (`inline`); the package (Java) or namespace (C#) the file declares
   * (`declaration`); a Java or C# `static` import; a C `#include <…>` (`system`); a Java type
   * written with its package in code, without an import (`qualified`). Inline modules and
   * declarations import nothing: resolvers read them to know where each file sits.
   */
  kind?: 'module' | 'inline' | 'declaration' | 'static' | 'system' | 'qualified';
  /** Rust: the inline modules around the statement inside its file, as `a::b`. */
  within?: string;
  /** Rust `#[path = "…"]` on a `mod a;`: the file it loads, as written. */
  file?: string;
  /** C# `global using`: applies to every file of the project. */
  global?: boolean;
}

/** What an import resolves to: the repository files it loads, else the external package it names, or nothing it could find. */
export interface Resolved {
  files: string[];
  /** An external crate, package or system header, by name. */
  external?: string;
  /** It looks local (a `mod a;`, an `#include "x.h"`) but names no file in the repository. */
  unresolved?: boolean;
}
