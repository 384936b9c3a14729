/**
 * C and C++ `#include` resolved as the preprocessor searches: `#include "x.h"` first beside the
 * including file, then the include directories; `#include <x.h>` only in the include directories,
 * and when none holds it, it is a system or third-party header (external). The include
 * directories are the ones the repository states: `-I` (and `-iquote`, `-isystem`) flags in a
 * compile_commands.json or a Makefile, directories a CMakeLists.txt names in `include_directories`
 * or `target_include_directories` (plain paths and `${CMAKE_CURRENT_SOURCE_DIR}`-style variables;
 * other variables are skipped), and every folder named `include`. They apply to every file: a
 * build gives each target its own, which would need the build system itself. Every `#include` in
 * the file counts, also those under an `#if` for another platform, which one build would skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { ImportStatement, Resolved } from './types';

const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));
const joined = (dir: string, path: string) => posix.normalize(dir ? `${dir}/${path}` : path).replace(/^\.\/?|\/$/g, '');

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A path as the repository's own relative path, or undefined when it points outside it. */
function inside(root: string, dir: string, path: string): string | undefined {
  const absolute = posix.isAbsolute(path) ? path : posix.join(posix.isAbsolute(dir) ? dir : posix.join(root, dir), path);
  const relative = posix.relative(root, posix.normalize(absolute));
  return relative.startsWith('..') || posix.isAbsolute(relative) ? undefined : relative;
}

/** `-Ia`, `-I a`, `-iquote a`, `-isystem a` in a command line. */
function includeFlags(command: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|\s)(?:-I|-iquote|-isystem)\s*("[^"]+"|'[^']+'|[^\s"']+)/g;
  for (let match = pattern.exec(command); match; match = pattern.exec(command)) found.push(match[1]!.replace(/^["']|["']$/g, ''));
  return found;
}

function fromCompileCommands(root: string, file: string): string[] {
  let entries: unknown;
  try {
    entries = JSON.parse(readText(join(root, file)) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry: { directory?: string; command?: string; arguments?: string[] }) => {
    const command = entry.command ?? (entry.arguments ?? []).join(' ');
    return includeFlags(command).flatMap((dir) => inside(root, entry.directory ?? dirOf(file), dir) ?? []);
  });
}

function fromMakefile(text: string, dir: string): string[] {
  return includeFlags(text.replace(/\\\n/g, ' ')).flatMap((path) => (path.includes('$') ? [] : [joined(dir, path)]));
}

const CMAKE_DIRS = /\b(target_)?include_directories\s*\(([^)]*)\)/g;
const CMAKE_WORDS = new Set(['SYSTEM', 'BEFORE', 'AFTER', 'PUBLIC', 'PRIVATE', 'INTERFACE']);

function fromCMake(text: string, dir: string): string[] {
  const found: string[] = [];
  const body = text.replace(/#[^\n]*/g, '');
  for (let match = CMAKE_DIRS.exec(body); match; match = CMAKE_DIRS.exec(body)) {
    const words = match[2]!.match(/"[^"]*"|\$<[^>]*>|[^\s]+/g) ?? [];
    for (const [index, raw] of words.entries()) {
      if (match[1] && index === 0) continue; // the target's name
      if (CMAKE_WORDS.has(raw) || raw.startsWith('$<INSTALL_INTERFACE')) continue;
      const word = raw.replace(/^"|"$/g, '').replace(/^\$<BUILD_INTERFACE:(.*)>$/, '$1');
      // The project's source folder is taken to be the repository's root, where its top CMakeLists.txt is.
      const fromRoot = /^\$\{(CMAKE_CURRENT_SOURCE_DIR|CMAKE_CURRENT_LIST_DIR|PROJECT_SOURCE_DIR|CMAKE_SOURCE_DIR)\}/.exec(word);
      const path = fromRoot
        ? joined(fromRoot[1]!.startsWith('CMAKE_CURRENT') ? dir : '', word.slice(fromRoot[0].length).replace(/^\//, '') || '.')
        : joined(dir, word);
      if (!word.startsWith('/') && !path.includes('$') && !path.includes('<')) found.push(path === '.' ? '' : path);
    }
  }
  return found;
}

export class IncludeResolver {
  private readonly dirs: string[];

  constructor(
    root: string,
    private readonly files: Set<string>,
  ) {
    const dirs: string[] = [];
    const commands = ['compile_commands.json', 'build/compile_commands.json'].filter((path) => files.has(path) || existsSync(join(root, path)));
    for (const path of commands) dirs.push(...fromCompileCommands(root, path));
    for (const path of files) {
      const name = posix.basename(path);
      if (name === 'CMakeLists.txt') dirs.push(...fromCMake(readText(join(root, path)) ?? '', dirOf(path)));
      else if (name === 'Makefile' || name === 'GNUmakefile' || name.endsWith('.mk')) dirs.push(...fromMakefile(readText(join(root, path)) ?? '', dirOf(path)));
    }
    const folders = new Set<string>();
    for (const path of files) for (let dir = dirOf(path); dir && !folders.has(dir); dir = dirOf(dir)) folders.add(dir);
    for (const folder of folders) if (posix.basename(folder) === 'include') dirs.push(folder);
    this.dirs = [...new Set(dirs)].filter((dir) => dir === '' || folders.has(dir));
  }

  resolve(from: string, statement: ImportStatement): Resolved {
    const beside = statement.kind === 'system' ? [] : [dirOf(from)];
    for (const dir of [...beside, ...this.dirs]) {
      const path = joined(dir, statement.specifier);
      if (!path.startsWith('..') && this.files.has(path)) return { files: [path] };
    }
    return statement.kind === 'system' ? { files: [], external: statement.specifier } : { files: [], unresolved: true };
  }
}
