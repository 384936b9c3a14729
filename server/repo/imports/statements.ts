/**
 * Import statements of Rust, Java, C# and C/C++, read from their tree-sitter trees: Rust `mod` and
 * `use` (each path of a `use` tree on its own), Java `package` and `import`, C# `namespace` and
 * `using`, C `#include`. Each query captures whole statements; these functions read their parts.
 */
import type { Node } from 'web-tree-sitter';
import type { ImportStatement } from './types';

export const RUST_IMPORTS = String.raw`
(mod_item) @rust
(use_declaration) @rust
(extern_crate_declaration) @rust
`;
export const JAVA_IMPORTS = String.raw`
(package_declaration) @java
(import_declaration) @java
(scoped_type_identifier) @java
`;
export const CSHARP_IMPORTS = String.raw`
(using_directive) @csharp
(namespace_declaration) @csharp
(file_scoped_namespace_declaration) @csharp
`;
export const C_IMPORTS = String.raw`
(preproc_include path: (string_literal) @quoted)
(preproc_include path: (system_lib_string) @system)
`;

const lineOf = (node: Node) => node.startPosition.row + 1;
const compact = (node: Node) => node.text.replace(/\s+/g, '');
const named = (node: Node) => node.namedChildren.filter((child) => child !== null);

/** The attributes written right before a Rust item (`#[cfg(test)]`, `#[path = "x.rs"]`). */
function rustAttributes(item: Node): string[] {
  const attributes: string[] = [];
  for (let sibling = item.previousNamedSibling; sibling; sibling = sibling.previousNamedSibling) {
    if (sibling.type === 'attribute_item') attributes.push(sibling.text);
    else if (sibling.type !== 'line_comment' && sibling.type !== 'block_comment') break;
  }
  return attributes;
}

const CFG_TEST = /^#\[\s*cfg\s*\(\s*test\s*\)\s*\]$/;

/** The inline modules around `node` in its file (outermost first), and whether one is `#[cfg(test)]`. */
function rustScope(node: Node): { within: string[]; test: boolean } {
  const within: string[] = [];
  let test = false;
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.type !== 'mod_item') continue;
    within.unshift(parent.childForFieldName('name')?.text ?? '');
    test ||= rustAttributes(parent).some((attribute) => CFG_TEST.test(attribute));
  }
  return { within, test };
}

/** The paths a `use` tree names: `a::{b, c::d as e, self}` is `a::b`, `a::c::d` and `a`; `a::*` is `a`. */
function usePaths(node: Node, prefix: string): string[] {
  const join = (path: string) => (prefix && path ? `${prefix}::${path}` : prefix || path);
  switch (node.type) {
    case 'use_as_clause':
      return usePaths(node.childForFieldName('path')!, prefix);
    case 'use_wildcard':
      return [join(named(node).map(compact).join(''))];
    case 'use_list':
      return named(node).flatMap((child) => usePaths(child, prefix));
    case 'scoped_use_list': {
      const path = node.childForFieldName('path');
      const list = node.childForFieldName('list');
      const head = path ? join(compact(path)) : node.text.trimStart().startsWith('::') ? `${prefix}::` : prefix;
      return list ? usePaths(list, head) : [head];
    }
    case 'self':
      return [prefix];
    default:
      return node.type.endsWith('comment') ? [] : [join(compact(node))];
  }
}

export function rustImports(item: Node): ImportStatement[] {
  const { within, test: scopeTest } = rustScope(item);
  const attributes = rustAttributes(item);
  const test = scopeTest || attributes.some((attribute) => CFG_TEST.test(attribute));
  const base = { line: lineOf(item), ...(within.length > 0 ? { within: within.join('::') } : {}), ...(test ? { test } : {}) };
  if (item.type === 'mod_item') {
    const name = item.childForFieldName('name')?.text;
    if (!name) return [];
    const file = attributes.map((attribute) => /^#\[\s*path\s*=\s*"([^"]+)"\s*\]$/.exec(attribute)?.[1]).find((path) => path !== undefined);
    const kind = item.childForFieldName('body') ? 'inline' : 'module';
    return [{ specifier: name, ...base, kind, ...(file && kind === 'module' ? { file } : {}) }];
  }
  if (item.type === 'extern_crate_declaration') {
    const name = item.childForFieldName('name')?.text;
    return name ? [{ specifier: `::${name}`, ...base }] : [];
  }
  const argument = item.childForFieldName('argument');
  return argument ? usePaths(argument, '').map((specifier) => ({ specifier, ...base })) : [];
}

/** A type written with its package in code (`org.a.Builder<T>`), which needs no import; `Map.Entry` is a nested type, not this. */
function javaQualified(type: Node): ImportStatement[] {
  if (type.parent?.type === 'scoped_type_identifier') return [];
  const name = compact(type).replace(/<.*$/, '');
  return /^[a-z_][\w]*\./.test(name) ? [{ specifier: name, line: lineOf(type), kind: 'qualified' }] : [];
}

export function javaImports(statement: Node): ImportStatement[] {
  if (statement.type === 'scoped_type_identifier') return javaQualified(statement);
  const name = named(statement).find((child) => child.type === 'scoped_identifier' || child.type === 'identifier');
  if (!name) return [];
  const line = lineOf(statement);
  if (statement.type === 'package_declaration') return [{ specifier: compact(name), line, kind: 'declaration' }];
  const wildcard = named(statement).some((child) => child.type === 'asterisk');
  const isStatic = statement.children.some((child) => child?.type === 'static');
  return [{ specifier: compact(name) + (wildcard ? '.*' : ''), line, ...(isStatic ? { kind: 'static' as const } : {}) }];
}

/** A C# namespace's full name, with the namespaces it is written inside. */
function namespaceName(declaration: Node): string {
  const parts: string[] = [];
  for (let node: Node | null = declaration; node; node = node.parent) {
    const name = node.type.endsWith('namespace_declaration') ? node.childForFieldName('name') : null;
    if (name) parts.unshift(compact(name));
  }
  return parts.join('.');
}

export function csharpImports(statement: Node): ImportStatement[] {
  const line = lineOf(statement);
  if (statement.type !== 'using_directive') return [{ specifier: namespaceName(statement), line, kind: 'declaration' }];
  const alias = statement.childForFieldName('name');
  const target = named(statement).find((child) => child.id !== alias?.id && (child.type === 'qualified_name' || child.type === 'identifier'));
  if (!target) return [];
  const keyword = (word: string) => statement.children.some((child) => child?.type === word);
  return [{ specifier: compact(target), line, ...(keyword('static') ? { kind: 'static' as const } : {}), ...(keyword('global') ? { global: true } : {}) }];
}

export function cInclude(capture: string, path: Node): ImportStatement {
  const specifier = path.text.slice(1, -1).trim();
  return capture === 'system' ? { specifier, line: lineOf(path), kind: 'system' } : { specifier, line: lineOf(path) };
}
