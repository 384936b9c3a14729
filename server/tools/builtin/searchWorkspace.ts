/**
 * Literal, case-insensitive text search over the workspace's files. Skips version-control,
 * dependency and build folders, binary files and files over the size cap; stops at a match limit
 * or when the signal aborts, and says so.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_FILE_BYTES } from '../files';
import { redactForModel } from '../redact';
import { stringField, type Tool } from '../types';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', 'out', 'build', '.cache', '.venv', '__pycache__', 'target', '.next']);
const MAX_MATCHES = 60;
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

export const searchWorkspace: Tool = {
  name: 'search_workspace',
  description: 'Search the workspace files for a literal text (case-insensitive). Returns matching lines as path:line: text.',
  inputSchema: { type: 'object', properties: { query: { type: 'string', description: 'Text to find' } }, required: ['query'] },
  async run(input, { folders }, signal) {
    const query = stringField(input, 'query').toLowerCase();
    const matches: string[] = [];
    const budget = { left: MAX_FILES };
    for (const folder of folders.folders) {
      for await (const path of files(folder, signal, budget)) {
        if (matches.length >= MAX_MATCHES) break;
        const size = (await stat(path).catch(() => undefined))?.size ?? Infinity;
        if (size > MAX_FILE_BYTES) continue;
        const buffer = await readFile(path).catch(() => undefined);
        if (!buffer || buffer.subarray(0, 8192).includes(0)) continue;
        const lines = redactForModel(path, buffer.toString('utf8')).split(/\r?\n/);
        lines.forEach((line, index) => {
          if (matches.length < MAX_MATCHES && line.toLowerCase().includes(query)) matches.push(`${folders.display(path)}:${index + 1}: ${line.trim().slice(0, 200)}`);
        });
      }
    }
    if (signal.aborted) return { content: 'The search was cancelled.', isError: true };
    const notes = [matches.length >= MAX_MATCHES ? `(stopped at ${MAX_MATCHES} matches)` : '', budget.left <= 0 ? `(stopped after ${MAX_FILES} files)` : ''].filter(Boolean);
    return { content: matches.length === 0 ? `No matches for "${query}".` : [...matches, ...notes].join('\n') };
  },
};
