/**
 * Which language a file is in, by its name. Every language the scanner reports counts towards the
 * review's overview; the ones with a grammar also get symbols.
 */
import { basename, extname } from 'node:path';

/** Languages whose definitions and references Parley extracts with tree-sitter. */
export type ParsedLanguage = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java' | 'c' | 'cpp' | 'csharp' | 'ruby' | 'php';

/**
 * The grammar file each parsed language uses. C is parsed with the C++ grammar because
 * @vscode/tree-sitter-wasm ships no C grammar, and C++'s is a superset for what tags need.
 */
export const GRAMMARS: Record<ParsedLanguage, string> = {
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  python: 'tree-sitter-python.wasm',
  go: 'tree-sitter-go.wasm',
  rust: 'tree-sitter-rust.wasm',
  java: 'tree-sitter-java.wasm',
  c: 'tree-sitter-cpp.wasm',
  cpp: 'tree-sitter-cpp.wasm',
  csharp: 'tree-sitter-c-sharp.wasm',
  ruby: 'tree-sitter-ruby.wasm',
  php: 'tree-sitter-php.wasm',
};

const PARSED_EXTENSIONS: Record<string, ParsedLanguage> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.hh': 'cpp',
  '.hpp': 'cpp',
  '.hxx': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby',
  '.rake': 'ruby',
  '.php': 'php',
};

/** Languages the overview counts but Parley does not parse. */
const OTHER_EXTENSIONS: Record<string, string> = {
  '.md': 'markdown',
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.sh': 'shell',
  '.bash': 'shell',
  '.css': 'css',
  '.scss': 'scss',
  '.html': 'html',
  '.sql': 'sql',
  '.kt': 'kotlin',
  '.swift': 'swift',
  '.scala': 'scala',
  '.lua': 'lua',
  '.vue': 'vue',
  '.svelte': 'svelte',
  '.ps1': 'powershell',
  '.xml': 'xml',
};

const FILE_NAMES: Record<string, string> = { Rakefile: 'ruby', Gemfile: 'ruby', Dockerfile: 'dockerfile', Makefile: 'make' };

/** The language of `path`, or undefined when Parley does not recognise it. */
export function languageOf(path: string): string | undefined {
  const extension = extname(path).toLowerCase();
  return PARSED_EXTENSIONS[extension] ?? OTHER_EXTENSIONS[extension] ?? FILE_NAMES[basename(path)];
}

export function isParsed(language: string | undefined): language is ParsedLanguage {
  return language !== undefined && Object.hasOwn(GRAMMARS, language);
}

/** VS Code's language ids for the parsed languages, where they differ from Parley's names. */
const EDITOR_LANGUAGES: Record<string, ParsedLanguage> = { typescriptreact: 'tsx', javascriptreact: 'javascript' };

/** The grammar for an editor document: by its language id, else by its file name. */
export function parsedLanguageOf(languageId: string, path?: string): ParsedLanguage | undefined {
  const byId = EDITOR_LANGUAGES[languageId] ?? languageId;
  if (isParsed(byId)) return byId;
  const byName = path === undefined ? undefined : languageOf(path);
  return isParsed(byName) ? byName : undefined;
}
