/**
 * Talking to Parley in the real VS Code: Chromium's fake microphone plays a real recording into the
 * session panel's webview, which captures it (getUserMedia + AudioWorklet) and streams 16 kHz PCM
 * to the server; Silero VAD finds the utterance, the OpenAI-compatible stand-in transcribes it and
 * answers, espeak-ng speaks the answer, and the webview plays it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findProgram } from '../../server/providers/programs';
import { decodeWav, encodeWav } from '../../server/voice/audio/wav';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, REPO, tempDir } from '../support/paths';
import { startOpenAIStandIn } from '../support/standins';
import { closeWorkbench, openWorkbench, runCommand, screenshot, waitFor, webviewFrame } from '../support/workbench';

const unavailable = e2eUnavailable() ?? (findProgram('espeak-ng') ? undefined : 'espeak-ng is not installed (scripts/voice-env.sh)');
if (unavailable && process.env.CI) throw new Error(unavailable);

describe('voice conversation in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const dir = tempDir('e2e-voice');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let codeServer: CodeServer;
  let page: Page;

  before(async () => {
    // One utterance with silence around it; Chromium plays the file as the microphone once.
    const clip = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'why_failing.wav'))).pcm;
    const silence = (seconds: number) => Buffer.alloc(seconds * 16_000 * 2);
    const microphone = join(dir.path, 'microphone.wav');
    writeFileSync(microphone, encodeWav(Buffer.concat([silence(2), clip, silence(8)])));
    model = await startOpenAIStandIn({ latency: { ttfbMs: 30, interTokenMs: 5 } });
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'The assertion expects three items but gets two.' });
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace: dir.path,
      settings: {
        'parley.llm.provider': 'openai-compatible',
        'parley.llm.baseUrl': model.baseURL,
        'parley.llm.model': 'local-coder',
        'parley.stt.provider': 'openai-compatible',
        'parley.stt.baseUrl': model.baseURL,
        'parley.tts.provider': 'system',
      },
    });
    page = await openWorkbench(codeServer.url, { fakeAudioCapture: `${microphone}%noloop` });
  });

  after(async () => {
    if (page) await closeWorkbench(page);
    if (codeServer) await codeServer.stop();
    await model?.close();
    dir.cleanup();
  });

  it('hears a spoken question, answers it in the panel and speaks the answer', async () => {
    await runCommand(page, 'Parley: Open Session');
    const panel = await webviewFrame(page, 'Parley Session', 60_000);
    await waitFor(async () => (await panel.locator('[data-field="connection"]').innerText()).includes('Connected'), { timeoutMs: 60_000, what: 'the panel to connect' });
    await panel.locator('#mic').click();
    await waitFor(async () => (await panel.locator('#mic').getAttribute('aria-pressed')) === 'true', { timeoutMs: 30_000, what: 'listening to start' });
    await screenshot(page, 'voice-listening');

    const user = panel.locator('.turn.user').last();
    await waitFor(async () => (await user.count()) > 0 && (await user.innerText()).includes('why is this test failing'), { timeoutMs: 60_000, what: 'the spoken question in the transcript' });
    assert.match(await user.innerText(), /spoken/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.count()) > 0 && (await answer.innerText()).includes('expects three items'), { timeoutMs: 60_000, what: 'the answer' });
    await waitFor(async () => Number(await panel.locator('body').getAttribute('data-received-ms')) > 500, { timeoutMs: 30_000, what: 'the spoken answer to reach the webview' });
    assert.match(await answer.locator('[data-field="latency"]').innerText(), /voice to voice \d+ ms/);

    // The recognizer got exactly the utterance: one upload of about its length.
    const uploads = model.requests.filter((request) => request.path === '/v1/audio/transcriptions');
    assert.equal(uploads.length, 1);
    await screenshot(page, 'voice-answer');

    await panel.locator('#mic').click();
    await waitFor(async () => (await panel.locator('#mic').getAttribute('aria-pressed')) === 'false', { timeoutMs: 15_000, what: 'listening to stop' });
  });
});
