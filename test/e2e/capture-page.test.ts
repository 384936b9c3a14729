/**
 * The browser capture page, as a user's browser opens it: Chromium (with its fake microphone
 * playing a recording) loads the page from the real server, the user clicks Start listening, and
 * the question and the spoken answer come back.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { CapturePageRequest } from '../../protocol/lsp';
import { findProgram } from '../../server/providers/programs';
import { decodeWav, encodeWav } from '../../server/audio/wav';
import { REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startVoiceServer, type TestServer } from '../support/server';
import { startOpenAIStandIn } from '../support/standins';
import { CHROMIUM, launchBrowser, screenshot } from '../support/workbench';

const unavailable = !existsSync(CHROMIUM)
  ? 'Debian chromium is not installed (scripts/e2e-env.sh)'
  : findProgram('espeak-ng')
    ? undefined
    : 'espeak-ng is not installed (scripts/voice-env.sh)';
if (unavailable && process.env.CI) throw new Error(unavailable);

describe('browser capture page', { skip: unavailable, timeout: 180_000 }, () => {
  const dir = tempDir('capture-page');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let server: TestServer;
  let browser: Browser;
  let url: string;

  before(async () => {
    const clip = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    const microphone = join(dir.path, 'microphone.wav');
    writeFileSync(microphone, encodeWav(Buffer.concat([Buffer.alloc(2 * 32_000), clip, Buffer.alloc(8 * 32_000)])));
    model = await startOpenAIStandIn({ latency: { ttfbMs: 20, interTokenMs: 2 } });
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'The loop stops one item early.' });
    server = await startVoiceServer(dir.path, model.baseURL);
    url = (await server.connection.sendRequest(CapturePageRequest.type)).url;
    browser = await launchBrowser({ fakeAudioCapture: `${microphone}%noloop` });
  });
  after(async () => {
    await browser?.close();
    await server.stop();
    await model.close();
    dir.cleanup();
  });

  it('is served only with the token', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/capture\?token=/);
    assert.equal((await fetch(url.replace(/token=[^&]+/, 'token=wrong'))).status, 401);
    assert.equal((await fetch(url.split('?')[0]!)).status, 401);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Content-Security-Policy/);
  });

  it('records the microphone in the browser and plays the spoken answer', async () => {
    const page = await (await browser.newContext()).newPage();
    const logged: string[] = [];
    page.on('console', (message) => void logged.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => void logged.push(`error: ${error.message}`));
    await page.goto(url);
    await page.locator('#toggle').click();
    // The first capture of a fresh machine loads the VAD model and Chromium's capture pipeline from a cold disk.
    await waitFor(async () => (await page.locator('#status').innerText()) === 'Listening', { timeoutMs: 60_000, what: 'listening' }).catch(
      async (error: unknown) => {
        await screenshot(page, 'capture-page-not-listening');
        const status = await page
          .locator('#status')
          .innerText()
          .catch(() => '(none)');
        throw new Error(`${String(error)}; status "${status}"\npage console:\n${logged.join('\n')}\nserver log:\n${server.logs.slice(-30).join('\n')}`);
      },
    );
    await waitFor(async () => (await page.locator('#turns').innerText()).includes('Parley: The loop stops one item early.'), {
      timeoutMs: 60_000,
      what: 'the answer on the page',
    });
    assert.match(await page.locator('#turns').innerText(), /You: why is this test failing/);
    await waitFor(async () => Number(await page.locator('body').getAttribute('data-received-ms')) > 500, {
      timeoutMs: 30_000,
      what: 'the answer spoken in the page',
    });
    await screenshot(page, 'capture-page');
    await page.locator('#toggle').click();
    await waitFor(async () => (await page.locator('#status').innerText()).startsWith('Not listening'), { timeoutMs: 15_000, what: 'listening to stop' });
  });
});
