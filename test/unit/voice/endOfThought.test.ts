/**
 * The end of a thought: the rule that makes a pause after "and then the…" wait longer, and the
 * voice loop over fakes, where the turn ends only when that longer pause passes, not at all when
 * the user goes on, and at once after a complete sentence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endOfThoughtWaitMs, thoughtState } from '../../../server/voice/endOfThought';
import { fakeVoice, MIC_CHUNK, type FakeVoice } from '../../support/fakes/voice';
import { waitFor } from '../../support/poll';

describe('the end of a thought', () => {
  it('waits longer after a conjunction, a preposition, an article, a filler or a comma', () => {
    for (const heard of ['and then the', 'it fails when', 'I moved it to', 'look at the parse config function and', 'um', 'first the tests,', 'so uh'])
      assert.equal(endOfThoughtWaitMs(heard, 700), 700, heard);
  });

  it('ends at the usual silence after a complete sentence, any other word, or nothing', () => {
    for (const heard of ['why is this test failing', 'why is this test failing?', 'rename it to.', 'what does it do', '', '   ', 'open main dot ts'])
      assert.equal(endOfThoughtWaitMs(heard, 700), 0, JSON.stringify(heard));
  });

  it('tells a whole question, and does not take a punctuated article or conjunction for one', () => {
    for (const heard of ['why is this test failing?', 'what is that?', 'what are you working on?', 'Is it "main.ts"?'])
      assert.equal(thoughtState(heard), 'question', heard);
    for (const heard of ['why does the?', 'and then the.', 'check it and?', 'so, um?']) assert.equal(thoughtState(heard), 'goesOn', heard);
    for (const heard of ['why is this test failing', 'rename it.', '']) assert.equal(thoughtState(heard), 'open', heard);
  });

  it('reads the last word whatever its case and the punctuation after it, and can be turned off', () => {
    assert.equal(endOfThoughtWaitMs('Check THE', 500), 500);
    assert.equal(endOfThoughtWaitMs('and then the', 0), 0);
  });
});

async function withVoice(test: (voice: FakeVoice) => Promise<void>, questionSilenceMs = 0): Promise<void> {
  const voice = await fakeVoice({ endOfThoughtMs: 150, questionSilenceMs });
  try {
    await test(voice);
  } finally {
    await voice.close();
  }
}

async function speaks(voice: FakeVoice, words: string): Promise<void> {
  voice.vad.speechStart();
  await voice.session.push(MIC_CHUNK);
  voice.stt.say.words(words);
  await voice.session.push(MIC_CHUNK);
}

async function pauses(voice: FakeVoice): Promise<void> {
  voice.vad.speechEnd();
  await voice.session.push(MIC_CHUNK);
}

describe('a pause mid-thought in the voice loop', () => {
  it('ends the turn at once after a complete question', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'why is this test failing');
      await pauses(voice);
      assert.deepEqual(voice.stt.say.endTurns, ['vad']);
    }));

  it('ends the turn only once the longer pause has passed', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'it fails when the');
      const paused = performance.now();
      await pauses(voice);
      assert.deepEqual(voice.stt.say.endTurns, [], 'not at the usual silence');
      await waitFor(() => voice.stt.say.endTurns.length === 1, { what: 'the turn to end after the longer pause' });
      assert.ok(performance.now() - paused >= 140, 'after about 150 ms');
      assert.deepEqual(voice.stt.say.endTurns, ['vad']);
    }));

  it('keeps the turn going when the user goes on, and ends it after the rest', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'it fails when the');
      await pauses(voice);
      await speaks(voice, 'it fails when the parser reads an empty file');
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.deepEqual(voice.stt.say.endTurns, [], 'the first pause did not end it');
      await pauses(voice);
      assert.deepEqual(voice.stt.say.endTurns, ['vad']);
      voice.stt.say.endOfTurn('it fails when the parser reads an empty file');
      const reply = await voice.model.next();
      assert.equal(reply.question, 'it fails when the parser reads an empty file', 'one question, whole');
      reply.end();
    }));

  it('ends the turn at once when the microphone stops during the pause', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'and then the');
      await pauses(voice);
      await voice.session.endInput();
      assert.deepEqual(voice.stt.say.endTurns, ['vad']);
    }));
});

/** `count` frames of the VAD's, one per 20 ms chunk, each reporting speech probability `probability`. */
async function frames(voice: FakeVoice, probability: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    voice.vad.frame(probability, true);
    await voice.session.push(MIC_CHUNK);
  }
}

describe('a whole question in the voice loop', () => {
  it('ends the turn after the shorter silence, before the VAD hears the end of speech, and only once', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'why is this test failing?');
      await frames(voice, 0.1, 5);
      assert.deepEqual(voice.stt.say.endTurns, [], 'not after 100 ms of quiet');
      await frames(voice, 0.1, 6);
      assert.deepEqual(voice.stt.say.endTurns, ['vad'], 'after 120 ms of quiet');
      await pauses(voice);
      assert.deepEqual(voice.stt.say.endTurns, ['vad'], 'the VAD end of the same silence does not end it again');
    }, 120));

  it('waits out the usual silence when the words are not a question, or a frame in between is voiced', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'rename it to parse config.');
      await frames(voice, 0.1, 12);
      assert.deepEqual(voice.stt.say.endTurns, [], 'a statement waits for the VAD');
      await frames(voice, 0.9, 1);
      voice.stt.say.words('why is this test failing?');
      await frames(voice, 0.1, 4);
      await frames(voice, 0.9, 1);
      await frames(voice, 0.1, 4);
      assert.deepEqual(voice.stt.say.endTurns, [], 'voice between the quiet frames starts the count again');
      await pauses(voice);
      assert.deepEqual(voice.stt.say.endTurns, ['vad']);
    }, 120));

  it('lets what the user says after the question end as a turn of its own', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'why is this test failing?');
      await frames(voice, 0.1, 8);
      assert.deepEqual(voice.stt.say.endTurns, ['vad']);
      await frames(voice, 0.9, 3);
      voice.stt.say.words('and the other one');
      await pauses(voice);
      await waitFor(() => voice.stt.say.endTurns.length === 2, { what: 'the rest to end as a turn' });
    }, 120));

  it('is off at 0', () =>
    withVoice(async (voice) => {
      await speaks(voice, 'why is this test failing?');
      await frames(voice, 0.1, 20);
      assert.deepEqual(voice.stt.say.endTurns, []);
    }, 0));
});

describe('a turn the recognizer ended mid-thought', () => {
  it('is held, and answered as it was once the pause has lasted', () =>
    withVoice(async (voice) => {
      voice.stt.say.endOfTurn('so the test fails when the');
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(voice.model.replies.length, 0, 'not answered at the recognizer’s end of turn');
      const reply = await voice.model.next();
      assert.equal(reply.question, 'so the test fails when the');
      reply.end();
    }));

  it('begins the next turn when the user goes on, in the transcript and in the question', () =>
    withVoice(async (voice) => {
      voice.stt.say.endOfTurn('so the test fails when the');
      await new Promise((resolve) => setTimeout(resolve, 100));
      voice.vad.frame(0.9, true);
      await voice.session.push(MIC_CHUNK);
      voice.stt.say.words('parser reads');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(voice.model.replies.length, 0, 'still held while the user goes on');
      const shown = voice.frames.filter((frame) => frame.type === 'transcript' && !frame.final).at(-1);
      assert.deepEqual(shown && 'text' in shown ? shown.text : undefined, 'so the test fails when the parser reads');
      voice.stt.say.endOfTurn('parser reads an empty file');
      const reply = await voice.model.next();
      assert.equal(reply.question, 'so the test fails when the parser reads an empty file', 'one question, whole');
      reply.end();
      assert.deepEqual(
        voice.frames.filter((frame) => frame.type === 'transcript' && frame.final).map((frame) => ('text' in frame ? frame.text : '')),
        ['so the test fails when the parser reads an empty file'],
      );
    }));

  it('is answered at once when the microphone stops', () =>
    withVoice(async (voice) => {
      voice.stt.say.endOfTurn('and then the');
      await voice.session.endInput();
      const reply = await voice.model.next();
      assert.equal(reply.question, 'and then the');
      reply.end();
    }));

  it('is not held after a complete question, nor in push-to-talk, nor when turned off', async () => {
    for (const options of [{ endOfThoughtMs: 150 }, { endOfThoughtMs: 150, mode: 'pushToTalk' as const }, { endOfThoughtMs: 0 }]) {
      const voice = await fakeVoice(options);
      try {
        const said = options.endOfThoughtMs && !('mode' in options) ? 'why is this test failing' : 'and then the';
        voice.stt.say.endOfTurn(said);
        await new Promise((resolve) => setImmediate(resolve));
        if ('mode' in options) {
          const review = voice.frames.find((frame) => frame.type === 'transcript' && frame.final);
          assert.ok(review, 'push-to-talk shows the words for review at once');
        } else {
          assert.equal(voice.model.replies.length, 1, JSON.stringify(options));
          voice.model.replies[0]!.end();
        }
      } finally {
        await voice.close();
      }
    }
  });
});
