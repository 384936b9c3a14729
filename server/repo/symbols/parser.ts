/**
 * One thread's tree-sitter: the runtime initialised once, each grammar loaded and each query
 * compiled the first time a file needs it. Trees are deleted right after their tags are read
 * because they live in the wasm heap, which the garbage collector does not see.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Language, Parser, Query, type Node } from 'web-tree-sitter';
import { GRAMMARS, type ParsedLanguage } from '../languages';
import { extractImports, IMPORT_QUERIES } from '../imports/extract';
import { extractSymbols } from './extract';
import type { WasmPaths } from './grammars';
import { TAG_QUERIES } from './queries';
import type { SyntaxReport } from './protocol';
import type { FileSymbols } from './types';

interface Loaded {
  language: Language;
  query: Query;
  /** The import query, for languages whose imports Parley resolves. */
  imports?: Query;
}

function countErrors(root: Node): SyntaxReport {
  const report: SyntaxReport = { errors: 0 };
  const cursor = root.walk();
  try {
    for (let more = true; more;) {
      const node = cursor.currentNode;
      const broken = node.type === 'ERROR' || node.isMissing;
      if (broken) {
        report.errors++;
        report.firstLine ??= node.startPosition.row + 1;
      }
      // Only subtrees holding an error are entered; an ERROR node's insides count as one error.
      if (!broken && node.hasError && cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          more = false;
          break;
        }
      }
    }
  } finally {
    cursor.delete();
  }
  return report;
}

export class TagParser {
  private readonly parser = new Parser();
  private readonly loaded = new Map<ParsedLanguage, Promise<Loaded>>();

  private constructor(private readonly paths: WasmPaths) {}

  static async create(paths: WasmPaths): Promise<TagParser> {
    await Parser.init({ locateFile: () => paths.runtime });
    return new TagParser(paths);
  }

  async symbols(language: ParsedLanguage, source: string): Promise<FileSymbols> {
    return this.withTree(language, source, (root, query, imports) => {
      const symbols = extractSymbols(root, query, source);
      return imports ? { ...symbols, imports: extractImports(language, root, imports, source) } : symbols;
    });
  }

  /** ERROR and MISSING nodes in `text`: none at all for most files, so the tree is walked only when it has some. */
  async syntaxErrors(language: ParsedLanguage, text: string): Promise<SyntaxReport> {
    return this.withTree(language, text, (root) => (root.hasError ? countErrors(root) : { errors: 0 }));
  }

  /** Parses `text` and hands its root (and the language's tag query) to `use`; the tree is freed right after. */
  private async withTree<T>(language: ParsedLanguage, text: string, use: (root: Node, query: Query, imports?: Query) => T): Promise<T> {
    const { language: grammar, query, imports } = await this.load(language);
    this.parser.setLanguage(grammar);
    const tree = this.parser.parse(text);
    if (!tree) throw new Error(`tree-sitter could not parse this ${language} text`);
    try {
      return use(tree.rootNode, query, imports);
    } finally {
      tree.delete();
    }
  }

  private load(language: ParsedLanguage): Promise<Loaded> {
    let loaded = this.loaded.get(language);
    if (!loaded) {
      loaded = this.compile(language);
      this.loaded.set(language, loaded);
    }
    return loaded;
  }

  private async compile(language: ParsedLanguage): Promise<Loaded> {
    const grammar = await Language.load(await readFile(join(this.paths.grammars, GRAMMARS[language])));
    const imports = IMPORT_QUERIES[language];
    return { language: grammar, query: new Query(grammar, TAG_QUERIES[language]), ...(imports ? { imports: new Query(grammar, imports) } : {}) };
  }

  dispose(): void {
    for (const loaded of this.loaded.values())
      loaded.then(
        ({ query, imports }) => {
          query.delete();
          imports?.delete();
        },
        () => undefined,
      );
    this.parser.delete();
  }
}
