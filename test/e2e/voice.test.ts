/**
 * Talking to Parley in the real VS Code: Chromium's fake microphone plays a real recording into the
 * session panel's webview, which captures it (getUserMedia + AudioWorklet) and streams 16 kHz PCM
 * to the server; Silero VAD finds the utterance, the OpenAI-compatible stand-in transcribes it and
 * answers, espeak-ng speaks the answer, and the webview plays it. Then push-to-talk: the user holds
 * the mic button while the recording plays, lets go, corrects the transcript Parley put in the
 * composer and presses Enter; the corrected question is answered and marked spoken. Last, as in
 * desktop VS Code, the server records the system microphone itself: the real arecord, whose ALSA
 * default device plays a recording the test writes (test/support/alsa.ts); and the user talks over
 * a long answer, which stops at once, is kept as far as it was heard and shows its barge-in time.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findProgram } from '../../server/providers/programs';
import { decodeWav } from '../../server/audio/wav';
import { virtualMicrophone, type VirtualMicrophone } from '../support/alsa';
import { e2eUnavailable, startCodeServer, type CodeServer } from '../support/codeserver';
import { DIST, REPO, tempDir } from '../support/paths';
import { startOpenAIStandIn } from '../support/standins';
import { closeWorkbench, fakeMicrophone, openSessionPanel, openWorkbench, screenshot, waitFor } from '../support/workbench';

const unavailable = e2eUnavailable() ?? (findProgram('espeak-ng') ? undefined : 'espeak-ng is not installed (scripts/voice-env.sh)');
if (unavailable && process.env.CI) throw new Error(unavailable);
const noRecorder = findProgram('arecord') ? undefined : 'arecord is not installed (scripts/voice-env.sh installs alsa-utils)';

/** Push-to-talk: silence before the words (the fake microphone starts when the button is pressed), and how long the button is held: the lead, the words (1.9 s) and a little after them. */
const PTT_LEAD_SECONDS = 1;
const PTT_HOLD_MS = 4_000;

describe('voice conversation in code-server', { skip: unavailable, timeout: 600_000 }, () => {
  const dir = tempDir('e2e-voice');
  let model: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let codeServer: CodeServer;
  let page: Page;
  let systemMicrophone: VirtualMicrophone;

  /** What the user does in the Settings editor: code-server applies settings.json changes at once. */
  function changeUserSettings(changes: Record<string, unknown>): void {
    const settingsFile = join(codeServer.userDataDir, 'User', 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(readFileSync(settingsFile, 'utf8')), ...changes }, null, 2));
  }

  before(async () => {
    const microphone = fakeMicrophone(dir.path, 'why_failing.wav', 2, 8);
    // The server records with arecord from code-server's home, whose ALSA default device plays what the test writes.
    systemMicrophone = virtualMicrophone();
    model = await startOpenAIStandIn({ latency: { ttfbMs: 30, interTokenMs: 5 } });
    model.transcripts.push('why is this test failing');
    model.chat.push({ text: 'The assertion expects three items but gets two.' });
    codeServer = await startCodeServer({
      vsix: join(DIST, 'parley.vsix'),
      workspace: dir.path,
      env: { HOME: systemMicrophone.home },
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
    systemMicrophone?.close();
    dir.cleanup();
  });

  it('hears a spoken question, answers it in the panel and speaks the answer', async () => {
    const panel = await openSessionPanel(page);
    await panel.locator('#mic').click();
    await waitFor(async () => (await panel.locator('#mic').getAttribute('aria-pressed')) === 'true', { timeoutMs: 30_000, what: 'listening to start' });
    await screenshot(page, 'voice-listening');

    const user = panel.locator('.turn.user').last();
    await waitFor(async () => (await user.count()) > 0 && (await user.innerText()).includes('why is this test failing'), {
      timeoutMs: 60_000,
      what: 'the spoken question in the transcript',
    });
    assert.match(await user.innerText(), /spoken/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.count()) > 0 && (await answer.innerText()).includes('expects three items'), {
      timeoutMs: 60_000,
      what: 'the answer',
    });
    await waitFor(async () => Number(await panel.locator('body').getAttribute('data-received-ms')) > 500, {
      timeoutMs: 30_000,
      what: 'the spoken answer to reach the webview',
    });
    // The webview tells the server how much it played, by its audio clock: what was heard is the page's word.
    await waitFor(async () => Number(await panel.locator('body').getAttribute('data-played-ms')) > 500, {
      timeoutMs: 30_000,
      what: 'the webview to report the answer played',
    });
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
    changeUserSettings({ 'parley.voice.mode': 'pushToTalk' });
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
    await waitFor(async () => (await user.count()) > 0 && (await user.innerText()).includes('why is this test failing in the parser'), {
      timeoutMs: 30_000,
      what: 'the corrected question in the transcript',
    });
    assert.match(await user.innerText(), /spoken/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.count()) > 0 && (await answer.innerText()).includes('expects three tokens'), {
      timeoutMs: 60_000,
      what: 'the answer',
    });
    assert.match(
      JSON.stringify(model.requests.filter((request) => request.path === '/v1/chat/completions').at(-1)!.body),
      /why is this test failing in the parser/,
    );
    await screenshot(page, 'ptt-answer');
  });

  it('with the system microphone (desktop VS Code), hears a question through arecord and answers it', { skip: noRecorder }, async () => {
    model.transcripts.push('run the tests please');
    model.chat.push({ text: 'Running the whole suite now.' });
    changeUserSettings({ 'parley.voice.mode': 'handsFree', 'parley.voice.capture': 'native' });
    // A new window, whose panel is not still listening from push-to-talk.
    await closeWorkbench(page);
    page = await openWorkbench(codeServer.url);
    const panel = await openSessionPanel(page);
    const mic = panel.locator('#mic');
    // Both settings arrive in one report: once the button no longer offers holding, capture is native too.
    await waitFor(async () => (await mic.innerText()).trim() === 'Listen', { timeoutMs: 30_000, what: 'the mic button to offer listening' });
    await mic.click();
    await waitFor(async () => /system microphone \(\/.*arecord\)/.test((await mic.getAttribute('title')) ?? ''), {
      timeoutMs: 30_000,
      what: 'listening through arecord',
    });

    const speech = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'run_tests.wav'))).pcm;
    await systemMicrophone.play(Buffer.concat([Buffer.alloc(16_000), speech, Buffer.alloc(48_000)]));
    const user = panel.locator('.turn.user').last();
    await waitFor(async () => (await user.innerText()).includes('run the tests please'), { timeoutMs: 60_000, what: 'the spoken question in the transcript' });
    assert.match(await user.innerText(), /spoken/);
    const answer = panel.locator('.turn.assistant:not(.streaming)').last();
    await waitFor(async () => (await answer.innerText()).includes('Running the whole suite'), { timeoutMs: 60_000, what: 'the answer' });
    await screenshot(page, 'voice-native-answer');

    await mic.click();
    await waitFor(async () => (await mic.getAttribute('aria-pressed')) === 'false', { timeoutMs: 15_000, what: 'listening to stop' });
  });

  // In dialogue.wav the second utterance starts 1.5 s after the first ends: over the spoken answer.
  it(
    'stops speaking when the user says "stop" over the answer, keeps what was heard, shows the barge-in time and does not answer "stop"',
    { skip: noRecorder },
    async () => {
      const long =
        'Here is a long explanation of the failure. The test builds a list of three items. Then it removes one of them by mistake. So the length it checks is two, not three. You can fix it by copying the list first.';
      model.transcripts.push('why is this test failing', 'stop');
      model.chat.push({ text: long });
      const asked = model.requests.filter((request) => request.path === '/v1/chat/completions').length;
      const panel = await openSessionPanel(page);
      // The panel's help lists what can be said to the voice.
      const help = panel.locator('[data-field="voiceCommands"]');
      await help.locator('summary').click();
      const commands = await help.locator('li').allInnerTexts();
      assert.equal(commands.length, 6, commands.join(' | '));
      assert.match(commands.join(' | '), /stop\W+or\W+stop it\W+— stops the answer/);
      await help.locator('summary').click();
      const mic = panel.locator('#mic');
      await mic.click();
      await waitFor(async () => (await mic.getAttribute('aria-pressed')) === 'true', { timeoutMs: 30_000, what: 'listening to start' });
      const dialogue = decodeWav(readFileSync(join(REPO, '..', 'shared', 'audio', 'dialogue.wav'))).pcm;
      await systemMicrophone.play(Buffer.concat([dialogue, Buffer.alloc(64_000)]));

      // "stop" is said to the voice: the panel says what it did, and the model is not asked.
      await waitFor(async () => (await panel.locator('.notice').innerText()).includes('Stopped.'), {
        timeoutMs: 60_000,
        what: 'the voice command to be shown',
      });
      const cut = panel.locator('.turn.assistant.interrupted').last();
      await cut.waitFor({ timeout: 15_000 });
      const heard = await cut.innerText();
      const transcript = await panel
        .locator('section.transcript')
        .innerText()
        .catch(() => '');
      assert.match(heard, /interrupted/, transcript);
      assert.match(heard, /Here is/, transcript);
      assert.ok(!heard.includes('copying the list first'), `only what was heard is kept: ${heard}`);
      assert.match(await cut.locator('[data-field="latency"]').innerText(), /barge-in \d+ ms/);
      assert.equal(model.requests.filter((request) => request.path === '/v1/chat/completions').length - asked, 1, 'only the question was asked');
      await screenshot(page, 'voice-barge-in');

      await mic.click();
      await waitFor(async () => (await mic.getAttribute('aria-pressed')) === 'false', { timeoutMs: 15_000, what: 'listening to stop' });
    },
  );
});
