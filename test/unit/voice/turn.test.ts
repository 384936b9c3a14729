/**
 * One answer's lifecycle in the voice loop, over fakes (test/support/fakes): barge-in, false
 * alarms, eager turns, push-to-talk and playout, each decided in milliseconds by a test that says
 * when the recognizer hears words, when the model writes and when the sink has played.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assistantTurns, fakeVoice, MIC_CHUNK, userTurns, recordingTool, type FakeVoice } from '../../support/fakes/voice';
import { waitFor } from '../../support/poll';

const FIRST = 'It is a test.';
const SECOND = 'Of the voice loop.';
/** The fake TTS speaks 10 ms per character. */
const FIRST_MS = FIRST.length * 10;

const deltas = (voice: FakeVoice) => voice.frames.flatMap((frame) => (frame.type === 'assistantDelta' ? [frame.text] : []));

async function speechStarts(voice: FakeVoice): Promise<void> {
  voice.vad.speechStart();
  await voice.session.push(MIC_CHUNK);
}

async function speechEnds(voice: FakeVoice): Promise<void> {
  voice.vad.speechEnd();
  await voice.session.push(MIC_CHUNK);
}

/** The user asks; the model answers with two clauses, both spoken and queued in the sink. */
async function answerPlaying(voice: FakeVoice, question = 'what is this') {
  voice.stt.say.endOfTurn(question);
  const reply = await voice.model.next();
  reply.text(`${FIRST} `).text(SECOND).end();
  await waitFor(() => voice.tts.spoken.length === 2 && voice.sink.playing, { what: 'the answer to be spoken' });
  return reply;
}

async function withVoice(
  options: Parameters<typeof fakeVoice>[0],
  test: (voice: FakeVoice) => Promise<void>,
  tools?: Parameters<typeof fakeVoice>[1],
): Promise<void> {
  const voice = await fakeVoice(options, tools);
  try {
    await test(voice);
  } finally {
    await voice.close();
  }
}

describe('a spoken answer', () => {
  it('is committed only once it has played out', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(FIRST_MS);
      // The model is done and the text shown; the turn waits for the audio.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(deltas(voice), [`${FIRST} `, SECOND]);
      assert.equal(assistantTurns(voice).length, 0, 'not committed while audio is still queued');
      voice.sink.advance(10_000);
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the commit' });
      const [turn] = assistantTurns(voice);
      assert.equal(turn!.text, `${FIRST} ${SECOND}`);
      assert.equal(turn!.interrupted, false);
    }));

  it('stops when words follow speech over it, keeping only what was heard, marked interrupted', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(FIRST_MS);
      await speechStarts(voice);
      assert.deepEqual(voice.sink.calls.slice(-1), ['pause'], 'speech over the answer pauses it at once');
      voice.stt.say.words('actually');
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the interrupted answer to be committed' });
      const [turn] = assistantTurns(voice);
      assert.equal(turn!.text, FIRST, 'only the clause that played');
      assert.equal(turn!.interrupted, true);
      assert.ok(turn!.metrics?.bargeInStopMs !== undefined, 'the barge-in time is measured');
      assert.ok(voice.sink.calls.includes('stop'), 'the queued audio is dropped');
      assert.equal(voice.sink.calls.includes('resume'), false);
    }));

  it('stops the model too when the user cuts in before it has finished', () =>
    withVoice({}, async (voice) => {
      voice.stt.say.endOfTurn('tell me everything');
      const reply = await voice.model.next();
      // The splitter lets a clause go once the next one has begun.
      reply.text(`${FIRST} `).text('And');
      await waitFor(() => voice.sink.playing, { what: 'the first clause to play' });
      voice.sink.advance(FIRST_MS / 2);
      await speechStarts(voice);
      voice.stt.say.words('stop');
      await waitFor(() => reply.aborted, { what: 'the model to be stopped' });
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the commit' });
      assert.equal(assistantTurns(voice)[0]!.text, 'It is', 'the whole words that played, not what the model wrote');
      assert.equal(assistantTurns(voice)[0]!.interrupted, true);
    }));

  it('resumes after a false alarm: speech without words', () =>
    withVoice({}, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(FIRST_MS);
      await speechStarts(voice);
      await speechEnds(voice);
      await waitFor(() => voice.sink.calls.includes('resume'), { what: 'playback to resume' });
      assert.equal(voice.sink.calls.includes('stop'), false);
      voice.sink.advance(10_000);
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the commit' });
      assert.equal(assistantTurns(voice)[0]!.text, `${FIRST} ${SECOND}`);
      assert.equal(assistantTurns(voice)[0]!.interrupted, false);
    }));

  it('waits for a recognizer still finishing the turn, whose words then stop the answer', () =>
    withVoice({ falseAlarmMs: 5, finalWaitMs: 60_000 }, async (voice) => {
      await answerPlaying(voice);
      voice.sink.advance(FIRST_MS);
      await speechStarts(voice);
      await speechEnds(voice);
      // Several false-alarm verdicts pass while the recognizer has not given the turn's words.
      await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(voice.sink.calls.includes('resume'), false, 'no resume while the words may still come');
      voice.stt.say.endOfTurn('no stop');
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the interrupted answer' });
      assert.equal(assistantTurns(voice)[0]!.interrupted, true);
      assert.equal(assistantTurns(voice)[0]!.text, FIRST);
      const next = await voice.model.next();
      assert.equal(next.question, 'no stop', 'the words that cut in are answered');
      next.end();
    }));

  it('stops at once when push-to-talk is pressed', () =>
    withVoice({ mode: 'pushToTalk' }, async (voice) => {
      voice.session.say('explain this');
      const reply = await voice.model.next();
      reply.text(`${FIRST} `).text(SECOND).end();
      await waitFor(() => voice.sink.playing && voice.tts.spoken.length === 2, { what: 'the answer to play' });
      voice.sink.advance(FIRST_MS);
      await voice.session.talk(true);
      const [turn] = assistantTurns(voice);
      assert.equal(turn?.text, FIRST, 'committed by the time the press is handled');
      assert.equal(turn!.interrupted, true);
      assert.equal(turn!.metrics?.bargeInStopMs, 0);
      assert.deepEqual(voice.sink.calls.slice(-2), ['pause', 'stop']);
    }));

  it('takes reviewed turns only as fast as they can be answered, saying which it did not take', () =>
    withVoice({ mode: 'pushToTalk' }, async (voice) => {
      const asked = ['one', 'two', 'three', 'four', 'five'];
      for (const text of asked) voice.session.say(text);
      const refused = voice.frames.flatMap((frame) => (frame.type === 'notice' ? [frame.message] : []));
      assert.equal(refused.length, 2, 'one answer in progress and two waiting; the fourth and fifth are refused');
      assert.match(refused[0]!, /still answering your earlier messages, so "four" was not sent/);
      assert.match(refused[1]!, /so "five" was not sent/);
      for (const text of asked.slice(0, 3)) {
        const reply = await voice.model.next();
        assert.equal(reply.question, text, 'the taken turns are answered in order');
        reply.text('Done.').end();
        await waitFor(() => voice.sink.playing, { what: `the answer to ${text} to play` });
        voice.sink.advance(10_000);
      }
      await waitFor(() => assistantTurns(voice).length === 3, { what: 'the three answers' });
      assert.deepEqual(userTurns(voice), asked.slice(0, 3));
    }));
});

describe('an answer started on an eager end of turn', () => {
  it('is held unseen, then shown, spoken and committed once when the end of turn confirms it', () =>
    withVoice({ eagerEndOfTurn: true }, async (voice) => {
      voice.stt.say.eager('what is this');
      const reply = await voice.model.next();
      reply.text(`${FIRST} `);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(deltas(voice), [], 'nothing shown while held');
      assert.deepEqual(userTurns(voice), [], 'nothing stored while held');
      assert.deepEqual(voice.tts.spoken, [], 'nothing spoken while held');
      voice.stt.say.endOfTurn('what is this');
      reply.text(SECOND).end();
      await waitFor(() => voice.tts.spoken.length === 2, { what: 'the answer to be spoken' });
      voice.sink.advance(10_000);
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the commit' });
      assert.deepEqual(deltas(voice), [`${FIRST} `, SECOND]);
      assert.deepEqual(userTurns(voice), ['what is this']);
      assert.equal(voice.model.replies.length, 1, 'the confirmed answer is the only one');
    }));

  for (const [how, goesOn] of [
    ['the turn resumes', (voice: FakeVoice) => voice.stt.say.resumed('what is')],
    ['the end of turn has other words', () => undefined],
  ] as const) {
    it(`is dropped without a trace when ${how}`, () =>
      withVoice({ eagerEndOfTurn: true }, async (voice) => {
        voice.stt.say.eager('what is');
        const held = await voice.model.next();
        held.text('A guess.');
        goesOn(voice);
        voice.stt.say.endOfTurn('what is this file');
        const final = await voice.model.next();
        assert.equal(final.question, 'what is this file');
        await waitFor(() => held.aborted, { what: 'the held answer to stop' });
        final.text(`${FIRST}`).end();
        await waitFor(() => voice.sink.playing, { what: 'the final answer to play' });
        voice.sink.advance(10_000);
        await waitFor(() => assistantTurns(voice).length === 1, { what: 'the commit' });
        assert.deepEqual(userTurns(voice), ['what is this file']);
        assert.deepEqual(
          assistantTurns(voice).map((turn) => turn.text),
          [FIRST],
        );
        assert.equal(deltas(voice).includes('A guess.'), false, 'the dropped answer was never shown');
        assert.equal(voice.tts.spoken.includes('A guess.'), false, 'nor spoken');
      }));
  }

  /** An eager turn whose held answer is one call of the recording tool. */
  function heldToolCall(test: (voice: FakeVoice, runs: Record<string, unknown>[]) => Promise<void>): Promise<void> {
    const runs: Record<string, unknown>[] = [];
    return withVoice(
      { eagerEndOfTurn: true },
      async (voice) => {
        voice.stt.say.eager('open main');
        (await voice.model.next()).toolCall('call-1', 'open_file', { path: 'main.ts' }).end();
        await test(voice, runs);
      },
      [recordingTool(runs)],
    );
  }

  it('runs a tool call only once the turn is confirmed', () =>
    heldToolCall(async (voice, runs) => {
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(runs, [], 'a held answer does not act on the editor');
      assert.equal(
        voice.frames.some((frame) => frame.type === 'toolCall'),
        false,
      );
      voice.stt.say.endOfTurn('open main');
      const after = await voice.model.next();
      assert.deepEqual(runs, [{ path: 'main.ts' }]);
      after.text('Opened.').end();
      await waitFor(() => voice.sink.playing, { what: 'the answer to play' });
      voice.sink.advance(10_000);
      await waitFor(() => assistantTurns(voice).length === 1, { what: 'the commit' });
      assert.deepEqual(
        assistantTurns(voice)[0]!.toolCalls.map((call) => call.name),
        ['open_file'],
      );
    }));

  it('never runs the tool call of an answer that was dropped', () =>
    heldToolCall(async (voice, runs) => {
      voice.stt.say.resumed('open main');
      voice.stt.say.endOfTurn('open main please not');
      const final = await voice.model.next();
      final.end();
      await waitFor(() => voice.frames.some((frame) => frame.type === 'answering' && !frame.active), { what: 'the final answer to end' });
      assert.deepEqual(runs, []);
      assert.deepEqual(userTurns(voice), ['open main please not']);
    }));
});
