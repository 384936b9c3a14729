/**
 * A local process that swaps a workspace file for a symlink to a file outside, as fast as it can,
 * while the assistant reads it. Confinement judged by path and a second open by path lose that
 * race now and then; every read here must return the inside content or a refusal, never the secret.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkspaceFolders } from '../../server/tools/confine';
import { sameFileInside } from '../../server/tools/files';
import { BUILTIN_TOOLS, runTool } from '../../server/tools/registry';
import type { ToolContext } from '../../server/tools/types';
import { tempDir } from '../support/paths';
import { startSwapper, type Swapper } from '../support/swapper';

const INSIDE = 'inside content\n';
const SECRET = 'outside secret content\n';

describe('reading a file that is being swapped for a symlink', () => {
  const dir = tempDir('race');
  const ws = join(dir.path, 'ws');
  const secret = join(dir.path, 'secret.txt');
  let swapper: Swapper;
  let context: ToolContext;
  const signal = new AbortController().signal;
  const run = (name: string, input: unknown) => runTool(BUILTIN_TOOLS, name, input, context, signal);

  before(async () => {
    mkdirSync(join(ws, '.swap'), { recursive: true });
    writeFileSync(secret, SECRET);
    writeFileSync(join(ws, 'target.txt'), INSIDE);
    context = {
      folders: new WorkspaceFolders([ws]),
      editorState: async () => ({ workspaceFolders: [ws], openFiles: [], diagnostics: [] }),
      showDocument: async () => true,
      applyEdit: async () => false,
    };
    swapper = await startSwapper({ target: join(ws, 'target.txt'), secret, scratch: join(ws, '.swap', 'scratch'), inside: INSIDE });
  });
  after(async () => {
    await swapper?.stop();
    dir.cleanup();
  });

  it('read_file never returns the outside file, in 2,000 reads', async () => {
    const outcomes = { inside: 0, refused: 0, leaked: 0 };
    for (let read = 0; read < 2_000; read++) {
      const result = await run('read_file', { path: 'target.txt' });
      if (result.content.includes('outside secret')) outcomes.leaked += 1;
      else if (result.isError) outcomes.refused += 1;
      else {
        assert.equal(result.content, 'target.txt lines 1–2 of 2:\n1  inside content\n2  ');
        outcomes.inside += 1;
      }
    }
    console.log(`read_file under the swap race: ${JSON.stringify(outcomes)}`);
    assert.equal(outcomes.leaked, 0, `${outcomes.leaked} of 2000 reads returned the outside file`);
    assert.ok(outcomes.inside > 0, 'some reads got the inside file');
  });

  it('search_workspace never returns the outside file, in 300 searches', async () => {
    let leaked = 0;
    for (let search = 0; search < 300; search++) {
      if ((await run('search_workspace', { query: 'content' })).content.includes('outside secret')) leaked += 1;
    }
    assert.equal(leaked, 0, `${leaked} of 300 searches returned the outside file`);
  });

  it('propose_edit never places an edit against the outside file, in 1,000 proposals', async () => {
    let leaked = 0;
    for (let proposal = 0; proposal < 1_000; proposal++) {
      const result = await run('propose_edit', { path: 'target.txt', oldText: 'outside secret', newText: 'x' });
      if (!/was not found|outside the workspace|changed while|does not exist/.test(result.content)) leaked += 1;
    }
    assert.equal(leaked, 0, `${leaked} of 1000 proposals matched text of the outside file`);
  });
});

describe('checking an open file where the descriptor cannot be named (no /proc)', () => {
  const dir = tempDir('same-file');
  const ws = join(dir.path, 'ws');
  const secret = join(dir.path, 'secret.txt');
  let folders: WorkspaceFolders;

  before(() => {
    mkdirSync(ws);
    writeFileSync(join(ws, 'target.txt'), INSIDE);
    writeFileSync(secret, SECRET);
    symlinkSync(secret, join(ws, 'escape.txt'));
    folders = new WorkspaceFolders([ws]);
  });
  after(() => dir.cleanup());

  async function check(opened: string, path: string): Promise<boolean> {
    const handle = await open(opened, 'r');
    try {
      return await sameFileInside(folders, handle, path);
    } finally {
      await handle.close();
    }
  }

  it('accepts the inside file the path still names', async () => {
    assert.equal(await check(join(ws, 'target.txt'), join(ws, 'target.txt')), true);
  });

  it('refuses an outside file opened in place of the inside one, and a path that now leads out', async () => {
    assert.equal(await check(secret, join(ws, 'target.txt')), false, 'the file opened is not the one the path names');
    assert.equal(await check(secret, join(ws, 'escape.txt')), false, 'the path names the file, but outside');
    assert.equal(await check(join(ws, 'target.txt'), join(ws, 'gone.txt')), false, 'the path names nothing any more');
  });
});
