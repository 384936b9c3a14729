/**
 * The import statements of a parsed file, read from its tree-sitter tree: what the file really
 * loads, as opposed to the names it happens to mention. Languages without an import query here
 * have no imports, which makes no dependency claim about them rather than a wrong one.
 */
import type { Node, Query } from 'web-tree-sitter';
import type { ParsedLanguage } from '../languages';
import { C_IMPORTS, cInclude, CSHARP_IMPORTS, csharpImports, JAVA_IMPORTS, javaImports, RUST_IMPORTS, rustImports } from './statements';
import type { ImportStatement } from './types';

const JS_IMPORTS = String.raw`
(import_statement source: (string (string_fragment) @static))
(export_statement source: (string (string_fragment) @static))
(call_expression function: (identifier) @_require arguments: (arguments . (string (string_fragment) @require)) (#eq? @_require "require"))
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @dynamic)))
`;
const TS_IMPORTS = String.raw`
${JS_IMPORTS}
(import_require_clause source: (string (string_fragment) @require))
`;
const PYTHON_IMPORTS = String.raw`
(import_statement) @python
(import_from_statement) @python
`;
const GO_IMPORTS = String.raw`
(import_spec path: (interpreted_string_literal (interpreted_string_literal_content) @static))
`;

export const IMPORT_QUERIES: Partial<Record<ParsedLanguage, string>> = {
  typescript: TS_IMPORTS,
  tsx: TS_IMPORTS,
  javascript: JS_IMPORTS,
  python: PYTHON_IMPORTS,
  go: GO_IMPORTS,
  rust: RUST_IMPORTS,
  java: JAVA_IMPORTS,
  csharp: CSHARP_IMPORTS,
  c: C_IMPORTS,
  cpp: C_IMPORTS,
};

const hasKeyword = (node: Node, keyword: string) => node.children.some((child) => child !== null && !child.isNamed && child.type === keyword);

/** `import type …`, `export type … from`, or `import { type A, type B }` with every specifier a type. */
function jsTypeOnly(statement: Node): boolean {
  if (statement.type !== 'import_statement' && statement.type !== 'export_statement') return false;
  if (hasKeyword(statement, 'type')) return true;
  const specifiers = statement.descendantsOfType(['import_specifier', 'export_specifier']).filter((node) => node !== null);
  const clause = statement.childForFieldName('declaration') ?? statement.namedChildren.find((child) => child?.type === 'import_clause');
  const onlyNamed = clause?.type !== 'import_clause' || clause.namedChildren.every((child) => child?.type === 'named_imports');
  return specifiers.length > 0 && onlyNamed && specifiers.every((specifier) => hasKeyword(specifier, 'type'));
}

function enclosing(node: Node, types: string[]): Node | undefined {
  for (let parent = node.parent; parent; parent = parent.parent) if (types.includes(parent.type)) return parent;
  return undefined;
}

function jsImport(capture: string, node: Node, source: string): ImportStatement {
  const specifier = source.slice(node.startIndex, node.endIndex);
  const line = node.startPosition.row + 1;
  if (capture === 'dynamic') {
    // `typeof import('./x')` in a type is no load at all.
    const typeOnly = enclosing(node, ['type_query', 'type_annotation', 'type_alias_declaration']) !== undefined;
    return typeOnly ? { specifier, line, typeOnly } : { specifier, line, dynamic: true };
  }
  const statement = node.parent?.parent;
  return statement && jsTypeOnly(statement) ? { specifier, line, typeOnly: true } : { specifier, line };
}

const FUNCTION_NODES = ['function_definition', 'lambda'];

/** `TYPE_CHECKING`, `typing.TYPE_CHECKING`, `t.TYPE_CHECKING` after `import typing as t`. */
const TYPE_CHECKING = /^(\w+\.)?TYPE_CHECKING$/;

/** An import in the body of `if TYPE_CHECKING:` (not in its `else:`, which runs). */
function underTypeChecking(node: Node, source: string): boolean {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type !== 'if_statement') continue;
    const condition = parent.childForFieldName('condition');
    const body = parent.childForFieldName('consequence');
    if (
      condition &&
      body?.startIndex === child.startIndex &&
      body.endIndex === child.endIndex &&
      TYPE_CHECKING.test(source.slice(condition.startIndex, condition.endIndex))
    )
      return true;
  }
  return false;
}

function pythonImports(statement: Node, source: string): ImportStatement[] {
  const line = statement.startPosition.row + 1;
  const text = (node: Node) => source.slice(node.startIndex, node.endIndex);
  const flags = {
    ...(underTypeChecking(statement, source) ? { typeOnly: true } : {}),
    ...(enclosing(statement, FUNCTION_NODES) ? { dynamic: true } : {}),
  };
  const names = statement.childrenForFieldName('name').flatMap((name) => {
    if (!name) return [];
    const dotted = name.type === 'aliased_import' ? name.childForFieldName('name') : name;
    return dotted ? [text(dotted)] : [];
  });
  if (statement.type === 'import_statement') return names.map((specifier) => ({ specifier, line, ...flags }));
  const module = statement.childForFieldName('module_name');
  if (!module) return [];
  const wildcard = statement.namedChildren.some((child) => child?.type === 'wildcard_import');
  return [{ specifier: text(module).replace(/\s+/g, ''), line, names: wildcard ? [] : names, ...flags }];
}

/** The imports in `root`, in source order. */
export function extractImports(language: ParsedLanguage, root: Node, query: Query, source: string): ImportStatement[] {
  const found: ImportStatement[] = [];
  for (const { name, node } of query.captures(root)) {
    if (name.startsWith('_')) continue;
    if (name === 'python') found.push(...pythonImports(node, source));
    else if (name === 'rust') found.push(...rustImports(node));
    else if (name === 'java') found.push(...javaImports(node));
    else if (name === 'csharp') found.push(...csharpImports(node));
    else if (language === 'c' || language === 'cpp') found.push(cInclude(name, node));
    else if (language === 'go') found.push({ specifier: source.slice(node.startIndex, node.endIndex), line: node.startPosition.row + 1 });
    else found.push(jsImport(name, node, source));
  }
  return found;
}
