/**
 * Talking to Parley in the real VS Code: Chromium's fake microphone plays a real recording into the
 * session panel's webview, which captures it (getUserMedia + AudioWorklet) and streams 16 kHz PCM
 * to the server; Silero VAD finds the utterance, the OpenAI-compatible stand-in transcribes it and
 * answers, espeak-ng speaks the answer, and the webview plays it. Then push-to-talk: the user holds
 * the mic button while the recording plays, lets go, corrects the transcript Parley put in the
 * composer and presses Enter; the corrected question is answered and marked spoken.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findProgram } from '../../server/providers/programs';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, tempDir } from '../support/paths';
import { startOpenAIStandIn } from '../support/standins';
import { closeWorkbench, fakeMicrophone, openSessionPanel, openWorkbench, screenshot, waitFor } from '../support/workbench';

const unavailable = e2eUnavailable() ?? (findProgram('espeak-ng') ? undefined : 'espeak-ng is not installed (scripts/voice-env.sh)');
if (unavailable && process.env.CI) throw new Error(unavailable);

/** Push-to-talk: silence before the words (the fake microphone starts when the button is pressed), and how long the button is held: the lead, the words (1.9 s) and a little after them. */
const PTT_LEAD_SECONDS = 1;
const PTT_HOLD_MS = 4_000;

describe('voice conversation in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const dir = tempDir('e2e-voice');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let codeServer: CodeServer;
  let page: Page;

  before(async () => {
    const microphone = fakeMicrophone(dir.path, 'why_failing.wav', 2, 8);
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
    const panel = await openSessionPanel(page);
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

  it('in push-to-talk, hears the words while the button is held, lets the user correct them, and answers the corrected question', async () => {
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'The parser test expects three tokens but gets two.' });
    const asked = () => model.requests.filter((request) => request.path === '/v1/chat/completions').length;
    const heard = () => model.requests.filter((request) => request.path === '/v1/audio/transcriptions').length;
    const [askedBefore, heardBefore] = [asked(), heard()];
    // The user switches the setting; a new browser, because Chromium plays its fake microphone once.
    const settingsFile = join(codeServer.userDataDir, 'User', 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(readFileSync(settingsFile, 'utf8')), 'parley.voice.mode': 'pushToTalk' }, null, 2));
    await closeWorkbench(page);
    page = await openWorkbench(codeServer.url, { fakeAudioCapture: `${fakeMicrophone(dir.path, 'why_failing.wav', PTT_LEAD_SECONDS, 10)}%noloop` });
    const panel = await openSessionPanel(page);
    const mic = panel.locator('#mic');
    await waitFor(async () => /hold/i.test(await mic.innerText()), { timeoutMs: 30_000, what: 'the mic button to offer holding' });

    await mic.hover();
    await page.mouse.down();
    await waitFor(async () => (await mic.getAttribute('class'))?.includes('talking') === true, { timeoutMs: 15_000, what: 'the button to show it is held' });
    await screenshot(page, 'ptt-holding');
    await page.waitForTimeout(PTT_HOLD_MS);
    await page.mouse.up();

    // Nothing is sent on release: the transcript waits in the composer for review.
    const input = panel.locator('#composer-input');
    await waitFor(async () => (await input.inputValue()) === 'why is this test failing', { timeoutMs: 60_000, what: 'the transcript in the composer' });
    assert.equal(asked(), askedBefore, 'nothing is answered before the user sends it');
    assert.equal(heard(), heardBefore + 1, 'one utterance, transcribed once');

    await input.press('End');
    await input.pressSequentially(' in the parser');
    await input.press('Enter');

    const user = panel.locator('.turn.user').last();
    await waitFor(async () => (await user.count()) > 0 && (await user.innerText()).includes('why is this test failing in the parser'), { timeoutMs: 30_000, what: 'the corrected question in the transcript' });
    assert.match(await user.innerText(), /spoken/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.count()) > 0 && (await answer.innerText()).includes('expects three tokens'), { timeoutMs: 60_000, what: 'the answer' });
    assert.match(JSON.stringify(model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.body), /why is this test failing in the parser/);
    await screenshot(page, 'ptt-answer');
  });
});
