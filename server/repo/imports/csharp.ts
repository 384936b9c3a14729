/**
 * C# `using` directives resolved against the namespaces the repository's files declare. This is
 * coarser than the other languages, as Go's package edges are: C# imports a namespace, not a file,
 * and a namespace spreads over many files. Pointing `using A.B;` at every file of `A.B` would make
 * each namespace that uses another one a cycle of dozens of files, so an edge goes only to the files
 * of `A.B` that declare a type the importing file mentions by name (a `using static A.B.C;` or an
 * alias to a type goes to `C`'s files). What that misses: extension methods (called by a method name,
 * not a type name), attributes written without their `Attribute` suffix, and a name hidden by a
 * local one. Types of the file's own namespace and the namespaces around it need no `using`: those
 * edges come from the names the file mentions too, as the compiler looks them up (own namespace
 * first, outwards, then the `using`s). A `global using` applies to every file of its project (the
 * folder of the nearest .csproj). Names outside the repository's namespaces never resolve.
 */
import { posix } from 'node:path';
import type { Definition, References } from '../symbols/types';
import { firstUses, type ResolvedImport } from './java';
import type { ImportStatement } from './types';

interface CsFile {
  path: string;
  statements: ImportStatement[];
  defs: Definition[];
}

const TYPE_KINDS = new Set(['class', 'interface', 'enum', 'type']);
const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));

/** `A.B.C`, `A.B`, `A`: the namespaces whose types code in `A.B.C` sees without a `using`. */
function enclosing(namespace: string): string[] {
  const parts = namespace.split('.');
  return parts.map((_, index) => parts.slice(0, parts.length - index).join('.'));
}

export class CSharpResolver {
  /** namespace → type name → the files declaring it (several for partial classes). */
  private readonly types = new Map<string, Map<string, string[]>>();
  /** project folder → its files' `global using` directives. */
  private readonly globals = new Map<string, ImportStatement[]>();
  private readonly projects: string[];

  constructor(files: CsFile[], allFiles: Set<string>) {
    this.projects = [...new Set([...allFiles].filter((path) => path.endsWith('.csproj')).map(dirOf))];
    for (const { path, statements, defs } of files) {
      const namespaces = statements.filter((statement) => statement.kind === 'declaration').map((statement) => statement.specifier);
      for (const namespace of namespaces.length > 0 ? namespaces : ['']) {
        const types = this.types.get(namespace) ?? new Map<string, string[]>();
        for (const def of defs) if (TYPE_KINDS.has(def.kind)) types.set(def.name, [...new Set([...(types.get(def.name) ?? []), path])]);
        this.types.set(namespace, types);
      }
      const project = this.projectOf(path);
      for (const statement of statements) if (statement.global) this.globals.set(project, [...(this.globals.get(project) ?? []), statement]);
    }
  }

  /** The folder of the nearest .csproj at or above `path` ('' when there is none). */
  private projectOf(path: string): string {
    let best = '';
    for (const dir of this.projects) if ((dir === '' || path.startsWith(`${dir}/`)) && dir.length > best.length) best = dir;
    return best;
  }

  resolveFile(from: string, statements: ImportStatement[], refs: References): ResolvedImport[] {
    const declared = statements.filter((statement) => statement.kind === 'declaration').flatMap((statement) => enclosing(statement.specifier));
    const own = [...new Set([...declared, ''])];
    const usings = [
      ...statements.filter((statement) => statement.kind !== 'declaration' && !statement.global),
      ...(this.globals.get(this.projectOf(from)) ?? []),
    ];
    const resolved: ResolvedImport[] = [];
    const namespaces: ImportStatement[] = [];
    for (const statement of usings) {
      const type = this.namedType(statement.specifier);
      if (type) resolved.push({ statement, files: type });
      else if (statement.kind !== 'static') namespaces.push(statement);
    }
    for (const [name, line] of firstUses(refs)) {
      const namespace = own.find((candidate) => this.types.get(candidate)?.has(name));
      if (namespace !== undefined) {
        resolved.push({ statement: { specifier: namespace ? `${namespace}.${name}` : name, line }, files: this.types.get(namespace)!.get(name)! });
        continue;
      }
      for (const statement of namespaces) {
        const files = this.types.get(statement.specifier)?.get(name);
        // A global using is written in another file: the evidence here is the line that uses the name.
        if (files) resolved.push({ statement: statement.global ? { specifier: statement.specifier, line } : statement, files });
      }
    }
    return resolved;
  }

  /** The files declaring the type a dotted name ends in (`A.B.C` is type `C` of `A.B`), if it names one. */
  private namedType(name: string): string[] | undefined {
    const dot = name.lastIndexOf('.');
    return this.types.get(dot < 0 ? '' : name.slice(0, dot))?.get(name.slice(dot + 1));
  }
}
