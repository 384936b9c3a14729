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

  before(() => {
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(secret, 'do not read');
    symlinkSync(secret, join(ws, 'escape.txt'));
    symlinkSync(dir.path, join(ws, 'parent-link'));
    symlinkSync(join(ws, 'src'), join(ws, 'inner-link'));
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
    for (const requested of ['../secret.txt', 'src/../../secret.txt', secret, '/etc/passwd', 'escape.txt', 'parent-link/secret.txt', 'parent-link/new.txt', 'src/main.ts\0.png']) {
      assert.throws(() => folders.resolve(requested), OutsideWorkspaceError, requested);
    }
  });

  it('refuses everything when no folder is open', () => {
    assert.throws(() => new WorkspaceFolders([]).resolve('a.ts'), /outside the workspace folders/);
  });

  it('shows paths relative to their folder', () => {
    assert.equal(folders.display(folders.resolve('src/main.ts')), join('src', 'main.ts'));
  });
});
