/** Paths and temporary folders shared by the tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');
export const DIST = join(REPO, 'dist');
export const SERVER_BUNDLE = join(DIST, 'server.js');
export const CLI_BIN = join(REPO, 'bin', 'parley.js');

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `parley-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
