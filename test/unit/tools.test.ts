/**
 * The assistant's tools on a real folder. The editor side of the context (showing a document,
 * previewing an edit, the diagnostics list) is recorded here; the end-to-end tests cover it in VS Code.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EditorState } from '../../protocol/lsp';
import { WorkspaceFolders } from '../../server/tools/confine';
import { requestEditorState } from '../../server/tools/lspContext';
import { BUILTIN_TOOLS, runTool } from '../../server/tools/registry';
import type { ToolContext } from '../../server/tools/types';
import { tempDir } from '../support/paths';

describe('assistant tools', () => {
  const dir = tempDir('tools');
  const outside = tempDir('tools-outside');
  const shown: unknown[] = [];
  const edits: unknown[] = [];
  let accept = true;
  let context: ToolContext;
  const signal = new AbortController().signal;
  const run = (name: string, input: unknown) => runTool(BUILTIN_TOOLS, name, input, context, signal);

  before(() => {
    mkdirSync(join(dir.path, 'src'));
    mkdirSync(join(dir.path, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(dir.path, 'src', 'main.ts'), 'const a = 1;\nconst b = a + 1;\nexport function total() {\n  return a + b;\n}\n');
    writeFileSync(join(dir.path, 'node_modules', 'dep', 'index.js'), 'function total() {}\n');
    writeFileSync(join(dir.path, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    writeFileSync(join(dir.path, '.env'), 'DATABASE_URL=postgres://me:hunter2@db/app\nexport OPENAI_API_KEY=sk-live-abcdefghijklmnopqrstuv\n');
    writeFileSync(join(dir.path, 'huge.log'), Buffer.alloc(3 * 1024 * 1024, 'a'));
    writeFileSync(join(dir.path, 'bundle.min.js'), `var x=1;${'x'.repeat(1_900_000)}`);
    writeFileSync(join(dir.path, 'wide.txt'), Array.from({ length: 400 }, (_, index) => `${index + 1}:${'w'.repeat(998)}`).join('\n'));
    writeFileSync(join(dir.path, 'late-nul.txt'), Buffer.concat([Buffer.alloc(100 * 1024, 'total '), Buffer.from([0]), Buffer.from('more')]));
    writeFileSync(join(dir.path, 'latin1.txt'), Buffer.from('caf\xe9 total\n', 'latin1'));
    const deep = join(dir.path, 'd'.repeat(200), 'e'.repeat(200), 'f'.repeat(200));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'many.txt'), 'needle\n'.repeat(100));
    symlinkSync(join(outside.path, 'planted.ts'), join(dir.path, 'src', 'planted.ts'));
    const folders = new WorkspaceFolders([dir.path]);
    const main = join(folders.folders[0]!, 'src', 'main.ts');
    const state: EditorState = {
      workspaceFolders: [dir.path],
      openFiles: [main],
      diagnostics: [
        {
          path: main,
          range: { start: { line: 1, character: 6 }, end: { line: 1, character: 7 } },
          severity: 'error',
          message: "Cannot find name 'c'.",
          source: 'ts',
          code: '2304',
        },
        {
          path: main,
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } },
          severity: 'warning',
          message: 'Prefer let.',
          source: 'eslint',
        },
      ],
    };
    context = {
      folders,
      editorState: async () => state,
      showDocument: async (path, selection) => Boolean(shown.push({ path, selection })),
      applyEdit: async (label, path, edit) => {
        edits.push({ label, path, edit });
        return accept;
      },
    };
  });
  after(() => {
    dir.cleanup();
    outside.cleanup();
  });

  it('reads numbered lines of a file', async () => {
    const result = await run('read_file', { path: 'src/main.ts', startLine: 2, endLine: 3 });
    assert.deepEqual(result, { content: 'src/main.ts lines 2–3 of 6:\n2  const b = a + 1;\n3  export function total() {\n(lines 4–6 not shown)' });
  });

  it('refuses binary, huge, missing and outside files with a reason', async () => {
    assert.deepEqual(await run('read_file', { path: 'logo.png' }), { content: 'logo.png is a binary file.', isError: true });
    assert.match((await run('read_file', { path: 'huge.log' })).content, /huge\.log is 3072 KB, more than Parley reads/);
    assert.deepEqual(await run('read_file', { path: 'nope.ts' }), { content: 'nope.ts does not exist.', isError: true });
    assert.match((await run('read_file', { path: '../../etc/passwd' })).content, /outside the workspace folders/);
  });

  it('cuts long lines and stops a read at a character cap, saying where to read on', async () => {
    const minified = (await run('read_file', { path: 'bundle.min.js' })).content;
    assert.ok(minified.length < 3_000, `a 1.9 MB one-line file came back as ${minified.length} characters`);
    assert.match(minified, /^bundle\.min\.js lines 1–1 of 1:\n1  var x=1;x+… \[1898008 more characters on this line not shown\]$/);
    const wide = await run('read_file', { path: 'wide.txt' });
    assert.ok(wide.content.length <= 100_200, `400 lines of 1,000 characters came back as ${wide.content.length} characters`);
    assert.match(wide.content, /^wide\.txt lines 1–99 of 400:\n/);
    assert.match(wide.content, /\n\(lines 100–400 not shown: this read stopped at 100000 characters; read on from startLine 100\)$/);
  });

  it('refuses files with a NUL byte anywhere or that are not UTF-8, and searches neither', async () => {
    assert.deepEqual(await run('read_file', { path: 'late-nul.txt' }), { content: 'late-nul.txt is a binary file.', isError: true });
    assert.deepEqual(await run('read_file', { path: 'latin1.txt' }), { content: 'latin1.txt is not UTF-8 text.', isError: true });
    const found = (await run('search_workspace', { query: 'total' })).content;
    assert.ok(!found.includes('late-nul.txt') && !found.includes('latin1.txt'), found);
  });

  it('keeps a search result within a character cap however long the paths', async () => {
    const result = (await run('search_workspace', { query: 'needle' })).content;
    assert.ok(result.length <= 20_100, `the search came back as ${result.length} characters`);
    assert.match(result, /\n\(stopped at 20000 characters\)$/);
  });

  it('refuses to create a file through a dangling symlink that points outside', async () => {
    const before = edits.length;
    assert.match((await run('propose_edit', { path: 'src/planted.ts', oldText: '', newText: 'x' })).content, /outside the workspace folders/);
    assert.equal(edits.length, before, 'no edit was offered');
  });

  it('never hands secrets from .env files to the model', async () => {
    const result = await run('read_file', { path: '.env' });
    assert.ok(!result.content.includes('hunter2') && !result.content.includes('sk-live'), result.content);
    assert.match(result.content, /DATABASE_URL=\[redacted\]/);
  });

  it('searches the workspace, skipping dependencies and binaries', async () => {
    assert.equal((await run('search_workspace', { query: 'TOTAL' })).content, 'src/main.ts:3: export function total() {');
    assert.equal((await run('search_workspace', { query: 'zebra' })).content, 'No matches for "zebra".');
  });

  it('lists diagnostics of all sources, filtered by file and severity', async () => {
    assert.equal((await run('list_diagnostics', { severity: 'error' })).content, "src/main.ts:2:7 error [ts 2304]: Cannot find name 'c'.");
    assert.equal((await run('list_diagnostics', { path: 'src/main.ts' })).content.split('\n').length, 2);
  });

  it('opens a file at a line in the editor', async () => {
    assert.deepEqual(await run('open_file', { path: 'src/main.ts', line: 3 }), { content: 'Opened src/main.ts at line 3.' });
    assert.deepEqual((shown.at(-1) as { selection: unknown }).selection, { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } });
  });

  it('proposes an edit of a unique text as a previewed range, and reports the user choice', async () => {
    const result = await run('propose_edit', { path: 'src/main.ts', oldText: 'a + 1', newText: 'a + 2', summary: 'Fix b' });
    assert.deepEqual(result, { content: 'The user accepted the edit to src/main.ts.' });
    assert.deepEqual((edits.at(-1) as { edit: unknown }).edit, {
      range: { start: { line: 1, character: 10 }, end: { line: 1, character: 15 } },
      newText: 'a + 2',
    });
    accept = false;
    assert.deepEqual(await run('propose_edit', { path: 'src/new.ts', oldText: '', newText: 'x' }), { content: 'The user rejected creating src/new.ts.' });
    accept = true;
  });

  it('explains edits it cannot place instead of guessing', async () => {
    assert.match((await run('propose_edit', { path: 'src/main.ts', oldText: 'const', newText: 'let' })).content, /more than once/);
    assert.match((await run('propose_edit', { path: 'src/main.ts', oldText: 'missing', newText: 'x' })).content, /was not found/);
    assert.deepEqual(await run('propose_edit', { path: 'src/main.ts', oldText: 'a + 1' }), {
      content: 'The input of propose_edit does not match its schema: "newText" is missing (a string).',
      isError: true,
    });
  });

  it('answers unknown tools and malformed input with an error result, not an exception', async () => {
    assert.deepEqual(await run('rm_rf', {}), { content: 'There is no tool named "rm_rf".', isError: true });
    assert.deepEqual(await run('read_file', 'src/main.ts'), { content: 'The input of read_file must be a JSON object.', isError: true });
    assert.deepEqual(await run('read_file', { path: 42 }), {
      content: 'The input of read_file does not match its schema: "path" expected string, received number.',
      isError: true,
    });
    assert.deepEqual(await run('read_file', { path: '', startLine: 0 }), {
      content: 'The input of read_file does not match its schema: "path" must not be empty; "startLine" Too small: expected number to be >=1.',
      isError: true,
    });
    assert.match((await run('search_knowledge_base', { query: 'deploys', limit: 11 })).content, /"limit" Too big: expected number to be <=10/);
    assert.match(
      (await run('list_diagnostics', { severity: 'fatal' })).content,
      /"severity" Invalid option: expected one of "error"\|"warning"\|"information"\|"hint"/,
    );
  });

  it('takes null for an optional field as absent, as models send it', async () => {
    assert.match((await run('read_file', { path: 'src/main.ts', startLine: null, endLine: null })).content, /^src\/main\.ts lines 1–6 of 6/);
  });
});

describe('the editor state from the extension', () => {
  const connection = (answer: unknown) => ({ sendRequest: async () => answer }) as unknown as Parameters<typeof requestEditorState>[0];

  it('is read with its schema', async () => {
    const state = { workspaceFolders: ['/w'], openFiles: ['/w/a.ts'], diagnostics: [] };
    assert.deepEqual(await requestEditorState(connection(state)), state);
  });

  it('of another shape is an error naming the field, not a state the tools would build on', async () => {
    await assert.rejects(requestEditorState(connection({ workspaceFolders: '/w', openFiles: [], diagnostics: [] })), /cannot read \(workspaceFolders: /);
    await assert.rejects(
      requestEditorState(connection({ workspaceFolders: [], openFiles: [], diagnostics: [{ path: '/w/a.ts', severity: 'fatal', message: 'x', range: {} }] })),
      /cannot read \(diagnostics\.0\.range\.start: /,
    );
    await assert.rejects(requestEditorState(connection(null)), /cannot read \(the whole state: /);
  });
});
