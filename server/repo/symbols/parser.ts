/**
 * One thread's tree-sitter: the runtime initialised once, each grammar loaded and each query
 * compiled the first time a file needs it. Trees are deleted right after their tags are read
 * because they live in the wasm heap, which the garbage collector does not see.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';
import { GRAMMARS, type ParsedLanguage } from '../languages';
import { extractSymbols } from './extract';
import type { WasmPaths } from './grammars';
import { TAG_QUERIES } from './queries';
import type { FileSymbols } from './types';

interface Loaded {
  language: Language;
  query: Query;
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
    const { language: grammar, query } = await this.load(language);
    this.parser.setLanguage(grammar);
    const tree = this.parser.parse(source);
    if (!tree) throw new Error(`tree-sitter could not parse this ${language} file`);
    try {
      return extractSymbols(tree.rootNode, query, source);
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
    return { language: grammar, query: new Query(grammar, TAG_QUERIES[language]) };
  }

  dispose(): void {
    for (const loaded of this.loaded.values()) loaded.then(({ query }) => query.delete(), () => undefined);
    this.parser.delete();
  }
}
