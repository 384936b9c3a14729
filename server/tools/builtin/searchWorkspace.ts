/**
 * Literal, case-insensitive text search over the workspace's files. Skips version-control,
 * dependency and build folders, and every file read_file would refuse (binary, not UTF-8, over the
 * size cap, outside the workspace); stops at a match limit, a character limit or when the signal
 * aborts, and says so.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextFile } from '../files';
import * as z from 'zod';
import { defineTool } from '../types';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', 'out', 'build', '.cache', '.venv', '__pycache__', 'target', '.next']);
const MAX_MATCHES = 60;
const MAX_MATCH_CHARS = 200;
/** Matches are short, but their paths are not bounded by much: the whole answer is capped too. */
const MAX_RESULT_CHARS = 20_000;
const MAX_FILES = 20_000;

async function* files(dir: string, signal: AbortSignal, budget: { left: number }): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (signal.aborted || budget.left <= 0) return;
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) yield* files(path, signal, budget);
    else if (entry.isFile()) {
      budget.left -= 1;
      yield path;
    }
  }
}

/** The matching lines found so far, and which limit, if any, stopped the search. */
class Matches {
  readonly lines: string[] = [];
  private chars = 0;
  stoppedBy?: string;

  add(line: string): void {
    if (this.chars + line.length + 1 > MAX_RESULT_CHARS) this.stoppedBy = `(stopped at ${MAX_RESULT_CHARS} characters)`;
    else {
      this.lines.push(line);
      this.chars += line.length + 1;
      if (this.lines.length >= MAX_MATCHES) this.stoppedBy = `(stopped at ${MAX_MATCHES} matches)`;
    }
  }
}

function searchText(display: string, text: string, query: string, matches: Matches): void {
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length && !matches.stoppedBy; index++) {
    if (lines[index]!.toLowerCase().includes(query)) matches.add(`${display}:${index + 1}: ${lines[index]!.trim().slice(0, MAX_MATCH_CHARS)}`);
  }
}

export const searchWorkspace = defineTool({
  name: 'search_workspace',
  description: 'Search the workspace files for a literal text (case-insensitive). Returns matching lines as path:line: text.',
  input: z.object({ query: z.string().min(1, { error: 'must not be empty' }).describe('Text to find') }),
  async run(input, { folders }, signal) {
    const query = input.query.toLowerCase();
    const matches = new Matches();
    const budget = { left: MAX_FILES };
    for (const folder of folders.folders) {
      for await (const path of files(folder, signal, budget)) {
        if (matches.stoppedBy) break;
        // The same confined, checked read as read_file; a file it refuses is simply not searched.
        const file = await readTextFile(folders, path).catch(() => undefined);
        if (file) searchText(file.display, file.text, query, matches);
      }
    }
    if (signal.aborted) return { content: 'The search was cancelled.', isError: true };
    const notes = [matches.stoppedBy ?? '', budget.left <= 0 ? `(stopped after ${MAX_FILES} files)` : ''].filter(Boolean);
    return { content: matches.lines.length === 0 ? `No matches for "${query}".` : [...matches.lines, ...notes].join('\n') };
  },
});
