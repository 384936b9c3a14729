/**
 * The knowledge base with a sentence-embedding model of the user's own, in the real VS Code: the
 * user's settings choose the onnx provider and the model's folder (a machine setting), the
 * packaged extension loads it with its bundled ONNX Runtime, and a question in words no note uses
 * finds the note by meaning in the sidebar. The model is a tiny generated one
 * (test/support/onnxModel.ts) that has "learned" extension ≈ plugin and sluggish ≈ slow. The
 * workspace's own settings name another model, in the repository: VS Code ignores them, since a
 * repository must not choose what runs on the user's machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { axis, writeModelFolder } from '../support/onnxModel';
import { DIST, tempDir } from '../support/paths';
import { chooseFromContextMenu, closeWorkbench, openWorkbench, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

describe('knowledge base with a local ONNX model in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const root = tempDir('e2e-kb-onnx');
  const workspace = join(root.path, 'workspace');
  const model = join(root.path, 'models', 'tiny-minilm');
  let codeServer: CodeServer;
  let page: Page;

  before(async () => {
    const notes = join(workspace, 'notes');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'Debugging.md'), '# Debugging\n\nDisable each plugin in turn to find the slow one.\n');
    writeFileSync(join(notes, 'Baking.md'), '# Baking\n\nBread needs flour, water, salt and time.\n');
    writeFileSync(join(notes, 'Backups.md'), '# Backups\n\nRestore the backup from last night.\n');
    const vectors = {
      plugin: axis(0, 5),
      extension: axis(0, 5),
      slow: axis(1, 5),
      sluggish: axis(1, 5),
      bread: axis(2, 5),
      flour: axis(2, 5),
      backup: axis(3, 5),
      restore: axis(3, 5),
    };
    writeModelFolder(model, { vectors, pooling: 'mean' });
    const planted = join(workspace, '.models', 'planted');
    writeModelFolder(planted, { vectors: { plugin: axis(0, 3) } });
    mkdirSync(join(workspace, '.vscode'));
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'parley.embeddings.modelFolder': planted }));
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace,
      settings: { 'parley.embeddings.provider': 'onnx' },
      machineSettings: { 'parley.embeddings.modelFolder': model },
    });
    page = await openWorkbench(codeServer.url);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    root.cleanup();
  });

  it('finds a note by meaning, in words the note does not use', async () => {
    const folder = page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^notes$/ });
    await waitFor(async () => (await folder.count()) > 0, { timeoutMs: 30_000, what: 'the notes folder in the explorer' });
    await chooseFromContextMenu(page, folder.first(), 'Add Folder to Knowledge Base');
    const done = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'is in the knowledge base' });
    await waitFor(async () => (await done.count()) > 0, { timeoutMs: 60_000, what: 'the notification that the folder was added' });

    await page.locator('.activitybar .action-item a[aria-label^="Parley"]').first().click();
    const sidebar = await webviewFrame(page, 'Knowledge Base', 60_000);
    const embedder = sidebar.locator('[data-field="kbEmbedder"]');
    await waitFor(async () => /^onnx:tiny-minilm:[0-9a-f]{16}:5$/.test(await embedder.innerText().catch(() => '')), {
      timeoutMs: 60_000,
      what: "the user's model (not the workspace's) in the index figures",
    });
    const input = sidebar.locator('[data-field="kbQuery"]');
    await input.click();
    await input.pressSequentially('which extension makes it sluggish', { delay: 20 });
    const first = sidebar.locator('.kb-result').first();
    await waitFor(async () => (await first.count()) > 0 && (await first.innerText()).includes('Debugging'), {
      timeoutMs: 15_000,
      what: 'the debugging note first',
    }).catch(async (error: unknown) => {
      await screenshot(page, 'kb-onnx-search-failed');
      throw error;
    });
    await screenshot(page, 'kb-onnx-search');
  });
});
