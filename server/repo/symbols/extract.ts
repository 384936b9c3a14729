/**
 * Runs a language's tag query over a parsed tree and turns the captures into definitions and
 * references. When one name is captured by several definition patterns (a Python method also
 * matches the plain function pattern) the more specific kind wins, and a definition's own name is
 * never also counted as a reference to it.
 */
import type { Node, Query } from 'web-tree-sitter';
import { packReferences, type Definition, type FileSymbols, type Reference, type SymbolKind } from './types';

/** Earlier kinds win when several patterns capture the same name. */
const KIND_PRIORITY: SymbolKind[] = ['method', 'function', 'class', 'interface', 'enum', 'module', 'macro', 'type', 'property', 'constant', 'variable'];
const MAX_SIGNATURE_CHARS = 120;

function signatureAt(source: string, index: number): string {
  const start = source.lastIndexOf('\n', index - 1) + 1;
  const newline = source.indexOf('\n', index);
  const line = source.slice(start, newline < 0 ? source.length : newline).trim();
  return line.length > MAX_SIGNATURE_CHARS ? `${line.slice(0, MAX_SIGNATURE_CHARS - 1)}…` : line;
}

/** Nodes that hold many definitions: the climb from a name to its definition never goes past one. */
const CONTAINERS = new Set([
  'program',
  'source_file',
  'module',
  'translation_unit',
  'compilation_unit',
  'class_body',
  'statement_block',
  'block',
  'declaration_list',
  'field_declaration_list',
  'body_statement',
  'body',
]);

/**
 * The last line of the definition whose name is `name`: the outermost node that starts on the
 * name's line (`export function f() {…}`, a C function's definition around its declarator, an
 * arrow function's declarator), without climbing into the enclosing body.
 */
function endLineOf(name: Node): number {
  let node = name;
  for (
    let parent = node.parent;
    parent?.parent && parent.startPosition.row === name.startPosition.row && !CONTAINERS.has(parent.type);
    parent = parent.parent
  ) {
    node = parent;
  }
  return node.endPosition.row + 1;
}

function outranks(kind: SymbolKind, other: SymbolKind): boolean {
  return KIND_PRIORITY.indexOf(kind) < KIND_PRIORITY.indexOf(other);
}

function addDefinition(defs: Map<number, Definition>, node: Node, kind: SymbolKind, source: string): void {
  const existing = defs.get(node.startIndex);
  if (existing && !outranks(kind, existing.kind)) return;
  const signature = existing?.signature ?? signatureAt(source, node.startIndex);
  defs.set(node.startIndex, {
    name: source.slice(node.startIndex, node.endIndex),
    kind,
    line: node.startPosition.row + 1,
    endLine: endLineOf(node),
    signature,
  });
}

/** Definitions and references in `root`, both in source order. */
export function extractSymbols(root: Node, query: Query, source: string): FileSymbols {
  const defs = new Map<number, Definition>();
  const refs = new Map<number, Reference>();
  for (const { name, node } of query.captures(root)) {
    // Slicing the source is cheaper than node.text, which goes back through the parser's input callback.
    if (name === 'ref') refs.set(node.startIndex, { name: source.slice(node.startIndex, node.endIndex), line: node.startPosition.row + 1 });
    else addDefinition(defs, node, name.slice('def.'.length) as SymbolKind, source);
  }
  for (const at of defs.keys()) refs.delete(at);
  return { defs: [...defs.values()], refs: packReferences(refs.values()) };
}
