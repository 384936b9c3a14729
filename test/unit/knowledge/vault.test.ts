import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listNoteFiles, readNote } from '../../../server/knowledge/ingest/files';
import type { ParsedNote } from '../../../server/knowledge/ingest/note';
import { REPO } from '../../support/paths';

// The Obsidian Hub vault, a real 6,500-note vault kept beside the repository.
const VAULT = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
const withoutVault = existsSync(VAULT) ? false : `the Obsidian Hub vault is not at ${VAULT}`;

// Generous, for a slow CI machine: on a 2-core development machine the whole vault takes a few seconds.
const VAULT_TIME_LIMIT_MS = 120_000;

/** Runs `work` with console output and process warnings captured instead of printed. */
async function capturingOutput<T>(work: () => Promise<T>): Promise<{ result: T; printed: string[] }> {
  const printed: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = methods.map((name) => console[name]);
  const emitWarning = process.emitWarning;
  for (const name of methods) console[name] = (...args: unknown[]) => printed.push(`${name}: ${args.join(' ')}`);
  process.emitWarning = ((warning: string | Error) => printed.push(`warning: ${String(warning)}`)) as typeof process.emitWarning;
  try {
    return { result: await work(), printed };
  } finally {
    methods.forEach((name, i) => (console[name] = originals[i]));
    process.emitWarning = emitWarning;
  }
}

async function parseVault(): Promise<{ notes: ParsedNote[]; skipped: number; listed: number }> {
  const { files, skipped } = await listNoteFiles(VAULT);
  const notes: ParsedNote[] = [];
  for (const file of files) {
    const result = await readNote(file);
    if ('note' in result) notes.push(result.note);
  }
  return { notes, skipped: skipped.length + files.length - notes.length, listed: files.length };
}

describe('the whole Obsidian Hub vault', { skip: withoutVault }, () => {
  it('parses every note without throwing or printing, within the time limit', async (t) => {
    const started = performance.now();
    const { result, printed } = await capturingOutput(parseVault);
    const elapsedMs = performance.now() - started;
    const { notes, skipped, listed } = result;

    assert.deepEqual(printed, []);
    assert.ok(listed > 6000, `${listed} notes listed`);
    assert.equal(skipped, 0);
    assert.ok(elapsedMs < VAULT_TIME_LIMIT_MS, `${Math.round(elapsedMs)} ms`);
    for (const note of notes) {
      assert.ok(note.chunks.length > 0, note.title);
      for (const chunk of note.chunks) {
        assert.equal(chunk.headingPath[0], note.title);
        // Only a single code line longer than the cap may exceed it.
        assert.ok(chunk.text.length <= 1500 || !chunk.text.includes('\n'), `${note.title}: ${chunk.text.length} chars`);
      }
    }

    const chunks = notes.reduce((sum, note) => sum + note.chunks.length, 0);
    const links = notes.reduce((sum, note) => sum + note.links.length, 0);
    const brokenFrontmatter = notes.filter((note) => note.frontmatterError).length;
    t.diagnostic(`${notes.length} notes, ${chunks} chunks, ${links} links, ${brokenFrontmatter} with broken frontmatter, in ${Math.round(elapsedMs)} ms`);
  });
});
