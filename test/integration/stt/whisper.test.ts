/**
 * The local neural recognizer: whisper.cpp's prebuilt addon loads here and runs in a process of
 * its own, the provider is chosen once a model is downloaded, a model it cannot read is a clear
 * error, and a cancelled turn or a crashed process costs a restart, not the server.
 *
 * The model is an empty one (test/support/whisperModel.ts: whisper.cpp's own format, zero
 * weights), so the recognizer hears nothing: what a real model hears in speech is not tested here,
 * because its weights (75-466 MiB) cannot be downloaded on these machines.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../../protocol/settings';
import { Keys } from '../../../server/providers/keys';
import { stageStatuses } from '../../../server/providers/status';
import { createSttStage } from '../../../server/providers/stt/factory';
import { whisperAddonPath } from '../../../server/providers/stt/whisper/addon';
import { WhisperEngine } from '../../../server/providers/stt/whisper/engine';
import { SpeechModels } from '../../../server/providers/stt/whisper/models';
import { spokenText, WhisperStt } from '../../../server/providers/stt/whisper/whisper';
import { tempDir } from '../../support/paths';
import { waitFor } from '../../support/poll';
import { writeEmptyWhisperModel } from '../../support/whisperModel';
import { clip, feed, ofType, quietLog, record } from './support';

const withStt = (stt: Partial<ParleySettings['stt']>): ParleySettings => ({ ...structuredClone(DEFAULT_SETTINGS), stt: { ...DEFAULT_SETTINGS.stt, ...stt } });
const sttStatus = (settings: ParleySettings, models: SpeechModels) =>
  stageStatuses(settings, new Keys({}), process.env, models).find((stage) => stage.stage === 'stt')!;

describe('the local recognizer (whisper.cpp)', () => {
  let dir: ReturnType<typeof tempDir>;
  let models: SpeechModels;
  let model: string;
  before(() => {
    dir = tempDir('whisper');
    models = new SpeechModels(dir.path);
    model = writeEmptyWhisperModel(join(dir.path, 'ggml-base.en.bin'));
  });
  after(() => {
    WhisperEngine.stopAll();
    dir.cleanup();
  });

  it("finds whisper.cpp's addon for this platform", () => {
    assert.ok(whisperAddonPath(), `no @fugood/node-whisper-${process.platform}-${process.arch}: npm ci installs it`);
  });

  it('is what auto uses once a model is downloaded and there is no Deepgram or OpenAI key', () => {
    const empty = new SpeechModels(join(dir.path, 'none'));
    assert.equal(sttStatus(withStt({}), empty).provider, 'offline', 'before the download');
    const stt = createSttStage(withStt({}), new Keys({}), quietLog, { speech: models });
    assert.ok(stt instanceof WhisperStt);
    assert.equal(stt.model, 'base.en');
    const status = sttStatus(withStt({}), models);
    assert.deepEqual([status.provider, status.model, status.configured], ['whisper', 'base.en', true]);
    assert.match(status.note!, /have downloaded a speech model/);
    assert.equal(
      createSttStage(withStt({}), new Keys({ DEEPGRAM_API_KEY: 'dg-test' }), quietLog, { speech: models }).provider,
      'deepgram',
      'a key still comes first',
    );
  });

  it('chosen without a model, or with one that is not downloaded, says to run Parley: Download Speech Model', () => {
    const empty = new SpeechModels(join(dir.path, 'none'));
    const none = sttStatus(withStt({ provider: 'whisper' }), empty);
    assert.equal(none.configured, false);
    assert.match(none.hint!, /No speech model is downloaded yet: run Parley: Download Speech Model/);
    assert.throws(() => createSttStage(withStt({ provider: 'whisper' }), new Keys({}), quietLog, { speech: empty }), /Download Speech Model/);
    assert.match(sttStatus(withStt({ provider: 'whisper', model: 'small.en' }), models).hint!, /small\.en is not downloaded/);
    assert.match(sttStatus(withStt({ provider: 'whisper', model: 'large' }), models).hint!, /not one of the speech models/);
  });

  it('transcribes a turn in its own process, with the workspace names as its prompt', async () => {
    const engine = WhisperEngine.for(model, quietLog);
    const text = await engine.transcribe(clip('why_failing.wav'), 'Names in this code: getUserById, parseConfig.', new AbortController().signal);
    // The weightless model decodes no tokens: the turn ends with no text, and with no error.
    assert.equal(text, '');
    assert.ok(engine.pid, 'the process stays up for the next turn');
    assert.notEqual(engine.pid, process.pid);
  });

  it('ends a turn through the stream without an error (an empty model hears nothing)', async () => {
    const stt = createSttStage(withStt({ provider: 'whisper' }), new Keys({}), quietLog, { speech: models });
    const stream = await stt.open({ vocabulary: ['getUserById', 'main.ts'] });
    const events = record(stream);
    await feed(stream, clip('stop.wav'));
    stream.endTurn('vad');
    await stream.finishInput();
    assert.deepEqual(ofType(events, 'error'), []);
  });

  it('says a model file it cannot read is damaged, and what to do', async () => {
    const broken = join(dir.path, 'ggml-tiny.en.bin');
    writeFileSync(broken, 'this is not a model');
    const stt = new WhisperStt({ model: { entry: models.entry('tiny.en')!, path: broken, installedAt: Date.now() } }, quietLog);
    const stream = await stt.open();
    const events = record(stream);
    await feed(stream, clip('stop.wav'));
    stream.endTurn('vad');
    const [error] = await waitFor(() => ofType(events, 'error').length > 0 && ofType(events, 'error'), { timeoutMs: 20_000, what: 'the error' });
    assert.match(
      error!.error.message,
      /local recognizer \(whisper\.cpp, tiny\.en\) could not transcribe the turn: .*Failed to initialize whisper context.*download it again with Parley: Download Speech Model/,
    );
    assert.equal(error!.fatal, false);
    await stream.close();
  });

  it('stops a cancelled turn at once by stopping its process, and the next turn starts another', async () => {
    const engine = WhisperEngine.for(model, quietLog);
    await engine.warmUp();
    const first = engine.pid;
    const controller = new AbortController();
    const long = Buffer.concat(Array.from({ length: 6 }, () => clip('why_failing.wav')));
    const turn = engine.transcribe(long, '', controller.signal);
    setTimeout(() => controller.abort(new Error('the user went on')), 20);
    const started = performance.now();
    await assert.rejects(turn, /the user went on/);
    assert.ok(performance.now() - started < 1_000, 'at once');
    assert.equal(engine.pid, undefined, 'the process is stopped');
    assert.equal(await engine.transcribe(clip('stop.wav'), '', new AbortController().signal), '');
    assert.notEqual(engine.pid, first, 'a new process');
  });

  it('fails the turn of a process that crashed, and recovers at the next', async () => {
    const engine = WhisperEngine.for(model, quietLog);
    await engine.warmUp();
    const long = Buffer.concat(Array.from({ length: 6 }, () => clip('why_failing.wav')));
    const turn = engine.transcribe(long, '', new AbortController().signal);
    process.kill(engine.pid!, 'SIGKILL');
    await assert.rejects(turn, /the local recognizer's process stopped \(SIGKILL\)/);
    assert.equal(await engine.transcribe(clip('stop.wav'), '', new AbortController().signal), '');
  });

  it("keeps what was said and drops whisper's annotations of noise and silence", () => {
    assert.equal(spokenText(' [BLANK_AUDIO]'), '');
    assert.equal(spokenText('(wind blowing) why is this test failing [Music]'), 'why is this test failing');
    assert.equal(spokenText(' run the tests.'), 'run the tests.');
  });
});
