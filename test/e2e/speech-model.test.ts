/**
 * Parley: Download Speech Model in the real VS Code, as a user meets it: the session panel shows
 * pocketsphinx chosen for speech to text (no keys) with a Download Speech Model button; the quick
 * pick lists the models with their sizes; the download shows progress in a notification and, since
 * the loopback source (parley.speechModels.source, a machine setting) cannot serve whisper.cpp's
 * real weights, ends with the error that the file is not the published one, and nothing is
 * installed. Then a model file in place (a weightless one in whisper.cpp's format) is what speech
 * to text uses after a restart, with nothing asked.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, tempDir } from '../support/paths';
import { emptyWhisperModel, writeEmptyWhisperModel } from '../support/whisperModel';
import { closeWorkbench, notifications, openSessionPanel, openWorkbench, runCommand, screenshot, waitFor } from '../support/workbench';

const unavailable = e2eUnavailable();
if (unavailable && process.env.CI) throw new Error(unavailable);

/** Not tiny.en's weights: about 6 MB, sent in a couple of seconds so that the progress shows. */
const NOT_THE_MODEL = Buffer.concat(Array.from({ length: 100 }, () => emptyWhisperModel()));

describe('downloading a speech model in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const workspace = tempDir('e2e-speech');
  let source: Server;
  let codeServer: CodeServer;
  let page: Page;
  let panel: Frame;
  const models = () => join(codeServer.userDataDir, 'User', 'globalStorage', 'parley.parley', 'speech-models');

  before(async () => {
    source = createServer(async (request, response) => {
      if (request.url !== '/ggml-tiny.en.bin') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-length': NOT_THE_MODEL.length });
      for (let offset = 0; offset < NOT_THE_MODEL.length && !response.destroyed; offset += 128 * 1024) {
        response.write(NOT_THE_MODEL.subarray(offset, offset + 128 * 1024));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      response.end();
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace: workspace.path,
      machineSettings: { 'parley.speechModels.source': `http://127.0.0.1:${(source.address() as AddressInfo).port}` },
    });
    page = await openWorkbench(codeServer.url);
    panel = await openSessionPanel(page);
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    source?.closeAllConnections();
    source?.close();
    workspace.cleanup();
  });

  it('offers the download where pocketsphinx is chosen, lists the sizes, shows progress and refuses a file that is not the published one', async () => {
    const stt = panel.locator('[data-stage="stt"]');
    await waitFor(async () => /offline/.test(await stt.innerText()), { timeoutMs: 60_000, what: 'speech to text in the panel' });
    assert.match(await stt.innerText(), /Parley: Download Speech Model gets one/);
    const quickInput = page.locator('.quick-input-widget .quick-input-box input');
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    // Each try starts with no quick input open (the palette that opened the panel can linger), then clicks.
    await waitFor(
      async () => {
        if (await quickInput.isVisible()) {
          await quickInput.press('Escape');
          return false;
        }
        await stt.getByRole('button', { name: 'Download Speech Model' }).click();
        return rows
          .filter({ hasText: 'tiny.en' })
          .first()
          .waitFor({ state: 'visible', timeout: 5_000 })
          .then(
            () => true,
            () => false,
          );
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the models in the quick pick' },
    );
    const listed = await rows.allInnerTexts();
    assert.ok(
      listed.some((row) => /tiny\.en/.test(row) && /75 MiB/.test(row)),
      listed.join(' | '),
    );
    assert.ok(listed.some((row) => /base\.en/.test(row) && /142 MiB/.test(row)));
    await quickInput.fill('tiny.en');
    await quickInput.press('Enter');

    await waitFor(async () => (await notifications(page)).some((text) => /downloading tiny\.en \(75 MiB\)/.test(text)), {
      timeoutMs: 30_000,
      what: 'the progress notification',
    });
    await screenshot(page, 'speech-model-download');
    const error = await waitFor(async () => (await notifications(page)).find((text) => /is not the published file/.test(text)), {
      timeoutMs: 60_000,
      what: 'the checksum error',
    });
    assert.match(error, /SHA-1 [0-9a-f]{40}, expected c78c86eb1a8faa21b369bcd33207cc90d64ae9df\), so it was deleted/);
    assert.deepEqual(existsSync(models()) ? readdirSync(models()) : [], [], 'nothing is installed and no part is left');
  });

  it('uses a model that is in place for speech to text, without being asked', async () => {
    mkdirSync(models(), { recursive: true });
    writeEmptyWhisperModel(join(models(), 'ggml-base.en.bin'));
    await runCommand(page, 'Parley: Restart Server');
    const stt = panel.locator('[data-stage="stt"]');
    await waitFor(async () => /whisper · base\.en[\s\S]*configured/.test(await stt.innerText()), { timeoutMs: 60_000, what: 'whisper in the panel' });
    assert.match(await stt.innerText(), /have downloaded a speech model/);
    assert.equal(await stt.getByRole('button', { name: 'Download Speech Model' }).count(), 0);
  });
});
