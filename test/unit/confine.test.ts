import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OutsideWorkspaceError, WorkspaceFolders } from '../../server/tools/confine';
import { tempDir } from '../support/paths';

describe('workspace confinement', () => {
  const dir = tempDir('confine');
  let folders: WorkspaceFolders;
  const ws = join(dir.path, 'ws');
  const secret = join(dir.path, 'secret.txt');
  const outside = join(dir.path, 'outside');

  before(() => {
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(secret, 'do not read');
    symlinkSync(secret, join(ws, 'escape.txt'));
    symlinkSync(dir.path, join(ws, 'parent-link'));
    symlinkSync(join(ws, 'src'), join(ws, 'inner-link'));
    mkdirSync(outside);
    symlinkSync(join(outside, 'new.ts'), join(ws, 'dangling-out.ts'));
    symlinkSync(join(outside, 'missing-dir'), join(ws, 'dangling-dir'));
    symlinkSync(join(ws, 'dangling-out.ts'), join(ws, 'chain-out.ts'));
    symlinkSync(join('src', 'created.ts'), join(ws, 'dangling-in.ts'));
    symlinkSync('dangling-in.ts', join(ws, 'chain-in.ts'));
    for (let hop = 0; hop < 45; hop++) symlinkSync(`loop-${hop + 1}.ts`, join(ws, `loop-${hop}.ts`));
    folders = new WorkspaceFolders([ws]);
  });
  after(() => dir.cleanup());

  it('resolves paths inside the workspace, relative or absolute', () => {
    assert.equal(folders.resolve('src/main.ts'), join(folders.folders[0]!, 'src', 'main.ts'));
    assert.equal(folders.resolve(join(ws, 'src', 'main.ts')), join(folders.folders[0]!, 'src', 'main.ts'));
    assert.equal(folders.resolve('src/../src/main.ts'), join(folders.folders[0]!, 'src', 'main.ts'));
    assert.equal(folders.resolve('inner-link/main.ts'), join(folders.folders[0]!, 'src', 'main.ts'), 'a symlink that stays inside is fine');
  });

  it('allows a file that does not exist yet inside the workspace', () => {
    assert.equal(folders.resolve('src/new/file.ts'), join(folders.folders[0]!, 'src', 'new', 'file.ts'));
  });

  it('refuses .., absolute paths elsewhere, symlinks pointing out and NUL bytes', () => {
    for (const requested of [
      '../secret.txt',
      'src/../../secret.txt',
      secret,
      '/etc/passwd',
      'escape.txt',
      'parent-link/secret.txt',
      'parent-link/new.txt',
      'src/main.ts\0.png',
    ]) {
      assert.throws(() => folders.resolve(requested), OutsideWorkspaceError, requested);
    }
  });

  it('judges a dangling symlink by where it points, so a new file cannot be created outside through it', () => {
    for (const requested of ['dangling-out.ts', 'chain-out.ts', 'dangling-dir/a/b.ts']) {
      assert.throws(() => folders.resolve(requested), OutsideWorkspaceError, requested);
    }
  });

  it('follows a dangling symlink that points inside to the file it would create', () => {
    const created = join(folders.folders[0]!, 'src', 'created.ts');
    assert.equal(folders.resolve('dangling-in.ts'), created);
    assert.equal(folders.resolve('chain-in.ts'), created, 'a chain of two dangling links');
  });

  it('gives up on a chain of dangling symlinks too long to follow', () => {
    assert.throws(
      () => folders.resolve('loop-0.ts'),
      (error: NodeJS.ErrnoException) => error.code === 'ELOOP',
    );
  });

  it('refuses everything when no folder is open', () => {
    assert.throws(() => new WorkspaceFolders([]).resolve('a.ts'), /outside the workspace folders/);
  });

  it('shows paths relative to their folder', () => {
    assert.equal(folders.display(folders.resolve('src/main.ts')), join('src', 'main.ts'));
  });
});
