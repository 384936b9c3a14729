/**
 * Definitions and references per language, on fixture pairs where one file defines a symbol and
 * the other uses it: the cross-file reference is what links the two in the repo map.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { languageOf, type ParsedLanguage } from '../../../server/repo/languages';
import { wasmPaths } from '../../../server/repo/symbols/grammars';
import { TagParser } from '../../../server/repo/symbols/parser';
import { eachReference, type FileSymbols } from '../../../server/repo/symbols/types';
import { REPO } from '../../support/paths';

const FIXTURES = join(REPO, 'test', 'fixtures', 'repo', 'symbols');

interface Case {
  language: ParsedLanguage;
  definer: string;
  /** `kind name @line` of definitions the definer must have. */
  defs: string[];
  user: string;
  /** `name @line` of references the user must have. */
  refs: string[];
}

const CASES: Case[] = [
  {
    language: 'typescript',
    definer: 'shapes.ts',
    defs: ['interface Shape @1', 'method area @2', 'class Circle @5', 'function makeCircle @12'],
    user: 'main.ts',
    refs: ['makeCircle @3', 'Shape @3', 'area @4'],
  },
  { language: 'tsx', definer: 'Button.tsx', defs: ['function Button @1'], user: 'App.tsx', refs: ['Button @1', 'Button @3'] },
  { language: 'javascript', definer: 'shapes.js', defs: ['class Circle @1', 'function makeCircle @7'], user: 'main.js', refs: ['makeCircle @3'] },
  {
    language: 'python',
    definer: 'shapes.py',
    defs: ['class Circle @4', 'method area @8', 'function make_circle @12'],
    user: 'main.py',
    refs: ['make_circle @1', 'make_circle @3', 'area @3'],
  },
  {
    language: 'go',
    definer: 'shapes.go',
    defs: ['class Circle @3', 'method Area @7', 'function MakeCircle @11'],
    user: 'main.go',
    refs: ['MakeCircle @6', 'Area @6'],
  },
  {
    language: 'rust',
    definer: 'shapes.rs',
    defs: ['class Circle @1', 'method area @6', 'function make_circle @11'],
    user: 'main.rs',
    refs: ['make_circle @1', 'make_circle @4', 'area @5'],
  },
  { language: 'java', definer: 'Circle.java', defs: ['class Circle @3', 'method area @10'], user: 'Main.java', refs: ['Circle @5', 'area @6'] },
  { language: 'c', definer: 'shapes.h', defs: ['class circle @4', 'function circle_area @8'], user: 'main.c', refs: ['circle @5', 'circle_area @6'] },
  { language: 'c', definer: 'shapes.c', defs: ['function circle_area @3'], user: 'main.c', refs: ['circle_area @6'] },
  { language: 'cpp', definer: 'shapes.hpp', defs: ['module shapes @3', 'class Circle @4', 'method area @7'], user: 'main.cpp', refs: ['Circle @5', 'area @6'] },
  {
    language: 'csharp',
    definer: 'Circle.cs',
    defs: ['class Circle @3', 'property Radius @5', 'method Area @9'],
    user: 'Program.cs',
    refs: ['Circle @3', 'Area @4'],
  },
  {
    language: 'ruby',
    definer: 'circle.rb',
    defs: ['module Shapes @1', 'class Circle @2', 'method area @7'],
    user: 'main.rb',
    refs: ['Shapes @3', 'Circle @3', 'area @3'],
  },
  { language: 'php', definer: 'Circle.php', defs: ['class Circle @4', 'method area @8'], user: 'main.php', refs: ['Circle @2', 'Circle @4', 'area @5'] },
];

let parser: TagParser;

async function symbolsOf(file: string, language: ParsedLanguage): Promise<FileSymbols> {
  assert.equal(languageOf(file), language, `${file} is detected as ${language}`);
  return parser.symbols(language, readFileSync(join(FIXTURES, file), 'utf8'));
}

describe('symbols', () => {
  before(async () => {
    parser = await TagParser.create(wasmPaths());
  });
  after(() => parser.dispose());

  for (const { language, definer, defs, user, refs } of CASES) {
    it(`${language}: ${definer} defines what ${user} uses`, async () => {
      const defined = (await symbolsOf(definer, language)).defs.map((def) => `${def.kind} ${def.name} @${def.line}`);
      for (const def of defs) assert.ok(defined.includes(def), `${def} in ${definer}: ${defined.join(', ')}`);
      const used = [...eachReference((await symbolsOf(user, language)).refs)].map((ref) => `${ref.name} @${ref.line}`);
      for (const ref of refs) assert.ok(used.includes(ref), `${ref} in ${user}: ${used.join(', ')}`);
    });
  }

  it('gives each definition its source line as the signature', async () => {
    const { defs } = await symbolsOf('shapes.ts', 'typescript');
    assert.equal(defs.find((def) => def.name === 'makeCircle')?.signature, 'export function makeCircle(radius: number): Circle {');
  });

  it('never counts a definition as a reference to itself, and leaves locals out', async () => {
    const { defs, refs } = await parser.symbols('typescript', 'export class Box {}\nfunction f() {\n  const local = new Box();\n  return local;\n}\n');
    assert.deepEqual(
      defs.map((def) => def.name),
      ['Box', 'f'],
    );
    assert.deepEqual([...eachReference(refs)], [{ name: 'Box', line: 3 }]);
  });

  it('reads names exactly after non-ASCII text', async () => {
    const { defs } = await parser.symbols('python', '# café 🙂\ndef naïve_größe():\n    return "ü"\n\nclass Zoë:\n    pass\n');
    assert.deepEqual(
      defs.map((def) => def.name),
      ['naïve_größe', 'Zoë'],
    );
  });

  it('still tags a file with syntax errors', async () => {
    const { defs } = await parser.symbols('python', 'def good():\n    pass\n\ndef broken(:\n');
    assert.ok(defs.some((def) => def.name === 'good'));
  });
});
