/**
 * File tools: what the model asks read_file, search_workspace, propose_edit and open_file for
 * must stay inside the workspace folders, and what comes back must be bounded, text, and without
 * secrets. Driven through the tool registry the conversation uses, on real folders, symlinks,
 * FIFOs and a process racing the reads; the editor side (showing a document, previewing an edit)
 * is recorded, so a refusal can be checked to have offered nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkspaceFolders } from '../../server/tools/confine';
import { MAX_LINE_CHARS } from '../../server/tools/files';
import { BUILTIN_TOOLS, runTool } from '../../server/tools/registry';
import type { ToolContext, ToolResult } from '../../server/tools/types';
import { tempDir } from '../support/paths';
import { startSwapper } from '../support/swapper';

const SECRET = 'outside-secret-7f3a9c';
const INSIDE = 'inside content\n';

describe('file tools', { timeout: 120_000 }, () => {
  const dir = tempDir('security-files');
  const ws = join(dir.path, 'ws');
  const outside = join(dir.path, 'outside');
  const fifo = join(ws, 'pipe');
  const shown: unknown[] = [];
  const edits: unknown[] = [];
  let context: ToolContext;
  const signal = new AbortController().signal;
  const run = (name: string, input: unknown) => runTool(BUILTIN_TOOLS, name, input, context, signal);

  before(() => {
    mkdirSync(join(ws, 'src'), { recursive: true });
    mkdirSync(outside);
    // "content" too, so the racing search below would find it if a read ever landed outside.
    writeFileSync(join(outside, 'secret.txt'), `${SECRET} content\n`);
    writeFileSync(join(ws, 'src', 'main.ts'), 'export const answer = 42;\n');
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'src', 'escape.txt'));
    symlinkSync(outside, join(ws, 'outside-dir'));
    // A chain whose every hop but the last is inside: link-a to link-b to link-c to the outside file.
    symlinkSync(join(outside, 'secret.txt'), join(ws, 'link-c'));
    symlinkSync('link-c', join(ws, 'link-b'));
    symlinkSync(join(ws, 'link-b'), join(ws, 'src', 'link-a'));
    context = {
      folders: new WorkspaceFolders([ws]),
      editorState: async () => ({ workspaceFolders: [ws], openFiles: [], diagnostics: [] }),
      showDocument: async (path, selection) => Boolean(shown.push({ path, selection })),
      applyEdit: async (label, path, edit) => Boolean(edits.push({ label, path, edit })),
    };
  });
  after(() => {
    releaseFifo(fifo);
    dir.cleanup();
  });

  /** Every path-taking tool on `path`: each refuses, none shows the secret, nothing is opened or offered as an edit. */
  async function assertRefusedByEveryTool(path: string, reason = /outside the workspace folders/): Promise<void> {
    const [shownBefore, editsBefore] = [shown.length, edits.length];
    const results: [string, ToolResult][] = [
      ['read_file', await run('read_file', { path })],
      ['open_file', await run('open_file', { path })],
      ['propose_edit (replace)', await run('propose_edit', { path, oldText: SECRET, newText: 'x' })],
      ['propose_edit (create)', await run('propose_edit', { path, oldText: '', newText: 'x' })],
    ];
    for (const [tool, result] of results) {
      assert.equal(result.isError, true, `${tool} accepted ${JSON.stringify(path)}: ${result.content}`);
      assert.match(result.content, reason, tool);
      assert.ok(!result.content.includes(SECRET), `${tool} returned the outside file`);
    }
    assert.equal(shown.length, shownBefore, 'a document was opened');
    assert.equal(edits.length, editsBefore, 'an edit was offered');
  }

  it('a `../` traversal (`../outside/secret.txt`, `src/../../outside/secret.txt`) → every tool refuses it as outside the workspace', async () => {
    await assertRefusedByEveryTool('../outside/secret.txt');
    await assertRefusedByEveryTool('src/../../outside/secret.txt');
    await assertRefusedByEveryTool(`src/${'../'.repeat(20)}etc/passwd`);
  });

  it('an absolute path outside (the outside file, /etc/passwd) → every tool refuses it as outside the workspace', async () => {
    await assertRefusedByEveryTool(join(outside, 'secret.txt'));
    await assertRefusedByEveryTool('/etc/passwd');
  });

  it('a symlink inside pointing out (to a file, to a folder) → every tool refuses it; search_workspace does not follow it', async () => {
    await assertRefusedByEveryTool('src/escape.txt');
    await assertRefusedByEveryTool('outside-dir/secret.txt');
    assert.equal((await run('search_workspace', { query: SECRET })).content, `No matches for "${SECRET}".`);
  });

  it('a symlink chain (three links inside, the last to an outside file, entered at its first and middle link) → every tool refuses it', async () => {
    await assertRefusedByEveryTool('src/link-a');
    await assertRefusedByEveryTool('link-b');
  });

  it('a dangling symlink pointing outside, used by propose_edit to create a file → refused, no edit offered', async () => {
    symlinkSync(join(outside, 'planted.ts'), join(ws, 'src', 'planted.ts'));
    symlinkSync('planted.ts', join(ws, 'src', 'planted-hop.ts'));
    symlinkSync(join(outside, 'new-dir'), join(ws, 'new-dir'));
    const before = edits.length;
    for (const path of ['src/planted.ts', 'src/planted-hop.ts', 'new-dir/created.ts']) {
      const result = await run('propose_edit', { path, oldText: '', newText: 'planted', summary: 'Create a file' });
      assert.equal(result.isError, true, `${path}: ${result.content}`);
      assert.match(result.content, /outside the workspace folders/, path);
    }
    assert.equal(edits.length, before, 'an edit creating a file outside was offered');
  });

  it('a NUL byte in the path (`src/main.ts\\0../../outside/secret.txt`) → every tool refuses it', async () => {
    await assertRefusedByEveryTool('src/main.ts\0../../outside/secret.txt');
    await assertRefusedByEveryTool('\0');
  });

  it('/proc/self/environ (by path, `../` and a symlink inside), /proc/self/cwd/…, /proc/self/root/… → every tool refuses them; no environment reaches the model', async () => {
    symlinkSync('/proc/self/environ', join(ws, 'env-link'));
    const paths = [
      '/proc/self/environ',
      `${'../'.repeat(12)}proc/self/environ`,
      'env-link',
      '/proc/self/cwd/package.json',
      '/proc/self/cwd',
      `/proc/self/root${outside}/secret.txt`,
    ];
    for (const path of paths) {
      await assertRefusedByEveryTool(path);
      const read = await run('read_file', { path });
      assert.ok(!read.content.includes(`PATH=${process.env.PATH}`), `${path} handed the environment to the model`);
    }
  });

  it(
    'a FIFO in the workspace → read_file, open_file and propose_edit (an edit, or a create over it) refuse it and search_workspace skips it, none hangs',
    { timeout: 15_000 },
    async () => {
      const made = spawnSync('mkfifo', [fifo]);
      assert.equal(made.status, 0, `mkfifo failed: ${made.stderr?.toString()}`);
      assert.deepEqual(await run('read_file', { path: 'pipe' }), { content: 'pipe is not a file.', isError: true });
      assert.deepEqual(await run('open_file', { path: 'pipe' }), { content: 'pipe does not exist.', isError: true });
      assert.deepEqual(await run('propose_edit', { path: 'pipe', oldText: 'a', newText: 'b' }), { content: 'pipe is not a file.', isError: true });
      assert.deepEqual(await run('propose_edit', { path: 'pipe', oldText: '', newText: 'b' }), {
        content: 'pipe exists and is not a file; Parley only creates new files.',
        isError: true,
      });
      assert.equal((await run('search_workspace', { query: 'answer' })).content, 'src/main.ts:1: export const answer = 42;');
    },
  );

  it('a 1.9 MB one-line file → read_file shows a bounded number of characters and says the rest is not shown; search_workspace too', async () => {
    writeFileSync(join(ws, 'bundle.min.js'), `var needle=1;${'x'.repeat(1_900_000)}`);
    const read = (await run('read_file', { path: 'bundle.min.js' })).content;
    assert.ok(read.length < MAX_LINE_CHARS + 200, `a 1.9 MB line reached the model as ${read.length} characters`);
    assert.match(read, /\[1898013 more characters on this line not shown\]$/);
    const found = (await run('search_workspace', { query: 'needle' })).content;
    assert.ok(found.length < 400, `the search answer was ${found.length} characters`);
    assert.match(found, /^bundle\.min\.js:1: var needle=1;x+$/);
  });

  it('NUL bytes after the first 8 KB of text → read_file refuses it as binary; search_workspace does not search it', async () => {
    writeFileSync(
      join(ws, 'late-nul.txt'),
      Buffer.concat([Buffer.from(`latebinary ${'t'.repeat(9_000)}\n`), Buffer.from([0, 1, 2, 0]), Buffer.from('latebinary tail\n')]),
    );
    assert.deepEqual(await run('read_file', { path: 'late-nul.txt' }), { content: 'late-nul.txt is a binary file.', isError: true });
    assert.deepEqual(await run('propose_edit', { path: 'late-nul.txt', oldText: 'tail', newText: 'x' }), {
      content: 'late-nul.txt is a binary file.',
      isError: true,
    });
    assert.equal((await run('search_workspace', { query: 'latebinary' })).content, 'No matches for "latebinary".');
  });

  it('a file swapped for a symlink to an outside file while being read (a racing process, 400 reads) → no read returns the outside file', async () => {
    const raced = join(ws, 'raced');
    mkdirSync(join(raced, '.swap'), { recursive: true });
    writeFileSync(join(raced, 'target.txt'), INSIDE);
    const swapper = await startSwapper({
      target: join(raced, 'target.txt'),
      secret: realpathSync(join(outside, 'secret.txt')),
      scratch: join(raced, '.swap', 'scratch'),
      inside: INSIDE,
    });
    const outcomes = { inside: 0, refused: 0, leaked: 0 };
    try {
      for (let read = 0; read < 400; read++) {
        const tool = read % 4 === 3 ? 'search_workspace' : 'read_file';
        const result = await run(tool, tool === 'read_file' ? { path: 'raced/target.txt' } : { query: 'content' });
        if (result.content.includes(SECRET)) outcomes.leaked += 1;
        else if (result.isError) outcomes.refused += 1;
        else outcomes.inside += 1;
      }
    } finally {
      await swapper.stop();
    }
    assert.equal(outcomes.leaked, 0, `${outcomes.leaked} of 400 reads returned the outside file (${JSON.stringify(outcomes)})`);
    assert.ok(outcomes.inside > 0, `no read got the inside file, so the race was not exercised (${JSON.stringify(outcomes)})`);
  });

  it('a `.env` file with a database password and an API key → read_file and search_workspace show the names with the values masked', async () => {
    writeFileSync(join(ws, '.env'), 'DATABASE_URL=postgres://app:hunter2-db-pass@db/app\nexport OPENAI_API_KEY=sk-proj-envfilekey0123456789abcdef\n');
    const read = await run('read_file', { path: '.env' });
    assert.equal(read.isError, undefined, read.content);
    assert.match(read.content, /1 {2}DATABASE_URL=\[redacted\]\n2 {2}export OPENAI_API_KEY=\[redacted\]/);
    assert.ok(!read.content.includes('hunter2') && !read.content.includes('sk-proj-envfile'), read.content);
    for (const query of ['hunter2', 'sk-proj-envfile']) assert.equal((await run('search_workspace', { query })).content, `No matches for "${query}".`);
  });
});

/**
 * If a tool ever blocked opening the FIFO for reading, opening it for writing lets that open
 * return, so a failing test ends instead of holding the test process. Without a reader it fails
 * at once (ENXIO), which is the case when the tools behaved.
 */
function releaseFifo(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader waiting, or no FIFO: nothing to release.
  }
}
