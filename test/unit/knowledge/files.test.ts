import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listNoteFiles, noteKind, readNote, type NoteFile } from '../../../server/knowledge/ingest/files';
import { tempDir } from '../../support/paths';

const MB = 1024 * 1024;

describe('noteKind', () => {
  it('knows Markdown and text files by extension, whatever the case', () => {
    assert.deepEqual(['a.md', 'b.MARKDOWN', 'c.txt', 'd.png', 'e', 'f.md.bak'].map(noteKind), [
      'markdown',
      'markdown',
      'text',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('listNoteFiles', () => {
  const dir = tempDir('notes');
  const vault = join(dir.path, 'vault');
  const outside = join(dir.path, 'outside');

  function write(relPath: string, content: string | Buffer): void {
    mkdirSync(dirname(join(vault, relPath)), { recursive: true });
    writeFileSync(join(vault, relPath), content);
  }

  before(() => {
    write('a.md', '# A');
    write('sub/deeper/b.markdown', 'b');
    write('c.txt', 'c');
    write('picture.png', 'not a note');
    write('.obsidian/workspace.md', 'settings');
    write('.trash/old.md', 'deleted');
    write('node_modules/pkg/README.md', 'dependency');
    write('huge.md', Buffer.alloc(Math.round(3.2 * MB), 'a'));
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.md'), 'outside the vault');
    symlinkSync(join(outside, 'secret.md'), join(vault, 'escape.md'));
    symlinkSync(outside, join(vault, 'escape-folder'));
    symlinkSync(join(vault, 'sub'), join(vault, 'sub-link'));
    symlinkSync(vault, join(vault, 'sub', 'loop'));
  });
  after(() => dir.cleanup());

  it('finds notes recursively, with posix relative paths, skipping settings, trash and dependencies', async () => {
    const { files } = await listNoteFiles(vault);
    assert.deepEqual(
      files.map((f) => [f.relPath, f.kind]),
      [
        ['a.md', 'markdown'],
        ['c.txt', 'text'],
        ['sub/deeper/b.markdown', 'markdown'],
      ],
    );
    assert.equal(files[0].size, 3);
    assert.ok(files[0].mtimeMs > 0);
  });

  it('says why it left out a file too large and links leading outside the folder, and ignores other files silently', async () => {
    const { skipped } = await listNoteFiles(vault);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path.slice(vault.length + 1), s.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['escape-folder', 'escape.md', 'huge.md']);
    assert.equal(reasons['huge.md'], 'too large (3.2 MB, the limit is 2 MB)');
    assert.match(reasons['escape.md'], /outside the folder/);
  });

  it('applies a smaller size limit', async () => {
    const { files, skipped } = await listNoteFiles(vault, { maxBytes: 2 });
    assert.deepEqual(
      files.map((f) => f.relPath),
      ['c.txt', 'sub/deeper/b.markdown'],
    );
    assert.ok(skipped.some((s) => s.reason === 'too large (3 bytes, the limit is 2 bytes)'));
  });

  it('stops when aborted', async () => {
    await assert.rejects(listNoteFiles(vault, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});

describe('readNote', () => {
  const dir = tempDir('read');
  after(() => dir.cleanup());

  function file(name: string, content: string | Buffer): NoteFile {
    const path = join(dir.path, name);
    writeFileSync(path, content);
    return { path, relPath: name, kind: noteKind(name)!, size: Buffer.byteLength(content), mtimeMs: 0 };
  }

  async function reason(note: NoteFile, options?: { maxBytes?: number }): Promise<string> {
    const result = await readNote(note, options);
    assert.ok('skipped' in result, 'expected the file to be skipped');
    return result.skipped.reason;
  }

  it('parses Markdown as a note and text as paragraphs', async () => {
    const markdown = await readNote(file('Topic.md', '# Topic\n#tag body'));
    assert.ok('note' in markdown);
    assert.deepEqual([markdown.note.title, markdown.note.tags], ['Topic', ['tag']]);
    const text = await readNote(file('plain.txt', '#tag body'));
    assert.ok('note' in text);
    assert.deepEqual([text.note.title, text.note.tags, text.note.chunks[0].text], ['plain', [], '#tag body']);
  });

  it('gives an empty file one chunk with its title', async () => {
    const empty = await readNote(file('Empty.md', ''));
    assert.ok('note' in empty);
    assert.deepEqual(
      empty.note.chunks.map((c) => c.text),
      ['Empty'],
    );
  });

  it('skips binary content', async () => {
    assert.equal(await reason(file('binary.md', Buffer.from([0x23, 0x20, 0x00, 0x01]))), 'binary (NUL byte in the first 8 KB)');
  });

  it('skips a file that is not UTF-8', async () => {
    assert.equal(await reason(file('latin1.md', Buffer.from('caf\xe9 au lait', 'latin1'))), 'invalid UTF-8 (the file is not UTF-8 text)');
  });

  it('skips a file over the limit, measured when it is read', async () => {
    assert.equal(await reason(file('big.md', 'x'.repeat(3000)), { maxBytes: 1024 }), 'too large (2.9 KB, the limit is 1 KB)');
  });

  it('reports a file it cannot read', async () => {
    const missing = { ...file('gone.md', ''), path: join(dir.path, 'missing.md') };
    assert.match(await reason(missing), /^unreadable: ENOENT/);
  });

  it('reports a file without read permission', { skip: process.getuid?.() === 0 ? 'root can read any file' : false }, async () => {
    const locked = file('locked.md', 'private');
    chmodSync(locked.path, 0o000);
    assert.match(await reason(locked), /^unreadable: EACCES/);
  });
});
