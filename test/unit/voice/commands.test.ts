/**
 * Voice commands: what counts as one (the whole utterance, give or take "please"), and what the
 * voice loop does with each over fakes (test/support/fakes): acted on from the first interim words
 * while an answer plays, at the end of the turn otherwise, and never answered by the model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextSpeechRate, SPEECH_RATES, VOICE_COMMANDS, voiceCommand } from '../../../protocol/voiceCommands';
import { assistantTurns, fakeVoice, MIC_CHUNK, userTurns, type FakeVoice } from '../../support/fakes/voice';
import { waitFor } from '../../support/poll';

describe('what is a voice command', () => {
  it('is the whole utterance, whatever its case, punctuation and politeness', () => {
    const heard: [string, string][] = [
      ['stop', 'stop'],
      ['Stop.', 'stop'],
      ['stop, stop!', 'stop'],
      ['Parley, stop talking.', 'stop'],
      ['Wait.', 'wait'],
      ['hold on a', ''],
      ['hang on', 'wait'],
      ['okay go on', 'goOn'],
      ['Carry on, please.', 'goOn'],
      ['slower please', 'slower'],
      ['A bit slower.', 'slower'],
      ['slow down', 'slower'],
      ['Faster!', 'faster'],
      ['speed up a little', 'faster'],
      ['Repeat that.', 'repeat'],
      ['say that again, please', 'repeat'],
    ];
    for (const [text, command] of heard) assert.equal(voiceCommand(text) ?? '', command, text);
  });

  it('is never a question or a request that starts or ends with a command word', () => {
    for (const text of [
      'stop the server',
      'wait why is this failing',
      'go on with the refactor',
      'repeat that test with a bigger input',
      'make the loop faster',
      'why is it slower now',
      'please',
      '',
    ])
      assert.equal(voiceCommand(text), undefined, text);
  });

  it('lists what each does and steps the rate within bounds', () => {
    for (const { says, does } of Object.values(VOICE_COMMANDS)) assert.ok(says.length > 0 && does.length > 0);
    assert.equal(nextSpeechRate(1, 'slower'), 0.9);
    assert.equal(nextSpeechRate(1, 'faster'), 1.15);
    assert.equal(nextSpeechRate(SPEECH_RATES[0], 'slower'), SPEECH_RATES[0]);
    assert.equal(nextSpeechRate(SPEECH_RATES.at(-1)!, 'faster'), SPEECH_RATES.at(-1));
    assert.equal(nextSpeechRate(0.95, 'slower'), 0.9, 'between two steps, the next one down');
  });
});

const ANSWER = 'It is a test. Of the voice loop.';
const commands = (voice: FakeVoice) => voice.frames.flatMap((frame) => (frame.type === 'voiceCommand' ? [`${frame.command}: ${frame.message}`] : []));

async function withVoice(options: Parameters<typeof fakeVoice>[0], test: (voice: FakeVoice) => Promise<void>): Promise<void> {
  const voice = await fakeVoice(options);
  try {
    await test(voice);
  } finally {
    await voice.close();
  }
}

/** The user asks; the answer is spoken and queued in the sink. */
async function answerPlaying(voice: FakeVoice): Promise<void> {
  voice.stt.say.endOfTurn('what is this');
  const reply = await voice.model.next();
  reply.text(ANSWER).end();
  await waitFor(() => voice.tts.spoken.length === 2 && voice.sink.playing, { what: 'the answer to be spoken' });
}

/** The user starts speaking over the answer (which pauses it) and says `words`, as interim and then final words. */
async function saysOver(voice: FakeVoice, words: string): Promise<void> {
  voice.vad.speechStart();
  await voice.session.push(MIC_CHUNK);
  voice.stt.say.words(words);
  voice.vad.speechEnd();
  await voice.session.push(MIC_CHUNK);
  voice.stt.say.endOfTurn(words);
}

/** The answer plays to its end. */
async function playsOut(voice: FakeVoice, answers = 1): Promise<void> {
  voice.sink.advance(60_000);
  await waitFor(() => assistantTurns(voice).length === answers, { what: 'the answer to be committed' });
}

describe('voice commands in the voice loop', () => {
  it('"slower" over an answer slows it at the first interim words, keeps it playing and is not answered', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(50);
      await saysOver(voice, 'slower');
      assert.deepEqual(voice.sink.calls.slice(-3), ['pause', 'resume', 'rate 0.9'], 'paused at speech onset, resumed and slowed at the interim');
      assert.deepEqual(commands(voice), ['slower: Speaking at 0.9× speed.'], 'acted on once, at the interim');
      await playsOut(voice);
      assert.equal(assistantTurns(voice)[0]!.interrupted, false);
      assert.deepEqual(userTurns(voice), ['what is this'], '"slower" is not a question');
      assert.equal(voice.model.replies.length, 1);
      await saysOver(voice, 'faster please');
      await saysOver(voice, 'faster');
      assert.equal(voice.sink.rate, 1.15, 'each "faster" a step up, from 0.9 to 1 to 1.15');
    }));

  it('"stop" over an answer stops it, keeping what was heard, and is not answered', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(130);
      await saysOver(voice, 'Stop.');
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the stopped answer to be committed' });
      const [turn] = assistantTurns(voice);
      assert.equal(turn!.text, 'It is a test.');
      assert.equal(turn!.interrupted, true);
      assert.ok(turn!.metrics?.bargeInStopMs !== undefined, 'timed as a barge-in');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(userTurns(voice), ['what is this']);
      assert.equal(voice.model.replies.length, 1, 'nothing asked of the model');
      assert.deepEqual(commands(voice), ['stop: Stopped.']);
      const finals = voice.frames.flatMap((frame) => (frame.type === 'transcript' && frame.final ? [frame.text] : []));
      assert.deepEqual(finals, ['what is this', 'Stop.'], 'the words are shown as heard, so a spoken "stop" also reaches runs and cards');
    }));

  it('"wait" pauses the answer past a false alarm’s wait, and "go on" resumes it where it was', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(50);
      await saysOver(voice, 'wait');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(voice.sink.playing, false, 'still paused after falseAlarmMs');
      assert.equal(voice.sink.calls.includes('resume'), false);
      voice.stt.say.endOfTurn('go on');
      assert.deepEqual(voice.sink.calls.slice(-1), ['resume']);
      await playsOut(voice);
      assert.equal(assistantTurns(voice)[0]!.interrupted, false);
      assert.deepEqual(userTurns(voice), ['what is this']);
      assert.deepEqual(commands(voice), ['wait: Paused. Say "go on" to hear the rest, or ask something else.', 'goOn: Going on.']);
    }));

  it('a question while paused stops the paused answer and is answered', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(130);
      await saysOver(voice, 'hold on');
      voice.stt.say.endOfTurn('which test is it');
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the paused answer to be committed' });
      assert.deepEqual([assistantTurns(voice)[0]!.text, assistantTurns(voice)[0]!.interrupted], ['It is a test.', true]);
      const reply = await voice.model.next();
      assert.equal(reply.question, 'which test is it');
      reply.end();
    }));

  it('"repeat that" plays the last answer again, all of it, and speech over the replay stops it', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      await playsOut(voice);
      voice.stt.say.endOfTurn('Repeat that, please.');
      await waitFor(() => voice.sink.receivedMs.length === 2 && voice.sink.playing, { what: 'the replay to play' });
      assert.equal(voice.sink.receivedMs[1], voice.sink.receivedMs[0], 'the same audio again');
      assert.deepEqual(commands(voice), ['repeat: Saying the last answer again.']);
      voice.sink.advance(50);
      await saysOver(voice, 'actually never mind');
      await waitFor(() => voice.sink.calls.includes('stop'), { what: 'the replay to stop' });
      const reply = await voice.model.next();
      assert.equal(reply.question, 'actually never mind', 'the words over the replay are a question; "repeat that" was not');
      reply.end();
    }));

  it('says so when there is nothing to act on, and still does not ask the model', () =>
    withVoice({}, async (voice) => {
      for (const words of ['stop', 'wait', 'go on', 'repeat that']) voice.stt.say.endOfTurn(words);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(commands(voice), [
        'stop: Nothing is being said: nothing to stop.',
        'wait: Nothing is being said: nothing to pause.',
        'goOn: Nothing is paused.',
        'repeat: Nothing to repeat yet.',
      ]);
      assert.equal(voice.model.replies.length, 0);
      assert.deepEqual(userTurns(voice), []);
    }));

  it('acts at the end of the turn in push-to-talk, without offering the words for review', () =>
    withVoice({ mode: 'pushToTalk' }, async (voice) => {
      await voice.session.talk(true);
      await voice.session.talk(false);
      voice.stt.say.endOfTurn('slower');
      assert.equal(voice.sink.rate, 0.9);
      assert.equal(
        voice.frames.some((frame) => frame.type === 'transcript' && frame.editable),
        false,
      );
    }));
});
