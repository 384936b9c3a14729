/**
 * What a spoken turn costs, over the voice loop's fakes: the audio the recognizer was sent for
 * the user's turn, and the characters the voice was given and the audio it made for the answer,
 * each priced and stored with its turn; hands-free, push-to-talk and an eager end of turn.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriceTable } from '../../../protocol/pricing';
import { DEFAULT_PRICES } from '../../../server/pricing';
import { fakeVoice, MIC_CHUNK, type FakeVoice } from '../../support/fakes/voice';
import { waitFor } from '../../support/poll';

/** The fakes' recognizer is `deepgram:fake` and their voice `system:fake`. */
const PRICES: PriceTable = {
  ...DEFAULT_PRICES,
  speech: { 'deepgram:fake': { perAudioMinute: 0.006 }, 'system:fake': { perMCharacters: 20, perAudioMinute: 0.01 } },
};

/** 16 kHz mono s16le: 32,000 bytes a second. */
const seconds = (bytes: number) => bytes / 32_000;

async function withVoice(options: Parameters<typeof fakeVoice>[0], test: (voice: FakeVoice) => Promise<void>): Promise<void> {
  const voice = await fakeVoice(options, [], PRICES);
  try {
    await test(voice);
  } finally {
    await voice.close();
  }
}

async function answered(voice: FakeVoice, text: string): Promise<void> {
  const reply = await voice.model.next();
  reply.text(text).end();
  await waitFor(() => voice.sink.playing, { what: 'the answer to play' });
  voice.sink.advance(60_000);
  await waitFor(() => voice.turns().some((turn) => turn.role === 'assistant'), { what: 'the answer to be committed' });
}

describe('the cost of speech', () => {
  it('prices the audio a hands-free turn sent and the text its answer was given, and stores both with their turns', () =>
    withVoice({}, async (voice) => {
      voice.vad.speechStart();
      for (let chunk = 0; chunk < 50; chunk++) await voice.session.push(MIC_CHUNK);
      voice.vad.speechEnd();
      await voice.session.push(MIC_CHUNK);
      const sent = voice.stt.say.audioBytes;
      assert.ok(sent >= 50 * MIC_CHUNK.length, 'the speech went to the recognizer');
      voice.stt.say.endOfTurn('what is this');
      await answered(voice, 'It is a test. Of the voice loop.');
      const [user, answer] = voice.turns();
      assert.deepEqual(user!.stt, { provider: 'deepgram', model: 'fake', audioSeconds: seconds(sent), costUsd: (seconds(sent) / 60) * 0.006 });
      const characters = voice.tts.spoken.join('').length;
      assert.ok(characters >= 'It is a test. Of the voice loop.'.length - 1, 'every clause given to the voice is counted');
      const tts = answer!.tts!;
      assert.equal(tts.provider, 'system');
      assert.equal(tts.characters, characters);
      // The fake voice makes 10 ms of audio per character.
      assert.ok(Math.abs(tts.audioSeconds - characters / 100) < 0.01, `${tts.audioSeconds} s of audio for ${characters} characters`);
      assert.ok(Math.abs(tts.costUsd! - ((characters * 20) / 1e6 + (tts.audioSeconds / 60) * 0.01)) < 1e-12);
      assert.equal(user!.tts, undefined);
      assert.equal(answer!.stt, undefined);
    }));

  it('push-to-talk: the audio between press and release goes with the reviewed turn, edited or not', () =>
    withVoice({ mode: 'pushToTalk' }, async (voice) => {
      await voice.session.push(MIC_CHUNK);
      await voice.session.talk(true);
      for (let chunk = 0; chunk < 3; chunk++) await voice.session.push(MIC_CHUNK);
      await voice.session.talk(false);
      voice.stt.say.endOfTurn('explain this');
      assert.equal(voice.turns().length, 0, 'nothing stored while the user reviews the transcript');
      voice.session.say('explain this function');
      await answered(voice, 'Done.');
      const [user] = voice.turns();
      assert.equal(user!.text, 'explain this function');
      assert.equal(user!.stt?.audioSeconds, seconds(3 * MIC_CHUNK.length), 'only the audio while talk was held');
    }));

  it('an answer started on an eager end of turn gets its audio once the end of turn confirms it', () =>
    withVoice({ eagerEndOfTurn: true }, async (voice) => {
      voice.vad.speechStart();
      for (let chunk = 0; chunk < 10; chunk++) await voice.session.push(MIC_CHUNK);
      voice.stt.say.eager('what is this');
      const reply = await voice.model.next();
      reply.text('It is a test.');
      const sent = voice.stt.say.audioBytes;
      voice.stt.say.endOfTurn('what is this');
      reply.end();
      await waitFor(() => voice.sink.playing, { what: 'the answer to play' });
      voice.sink.advance(60_000);
      await waitFor(() => voice.turns().some((turn) => turn.role === 'assistant'), { what: 'the commit' });
      const [user] = voice.turns();
      assert.equal(user!.stt?.audioSeconds, seconds(sent));
    }));

  it('has no cost for a recognizer without a price, and says nothing of a voice that was given nothing', async () => {
    const voice = await fakeVoice({}, [], { ...DEFAULT_PRICES, speech: {} });
    try {
      voice.stt.say.endOfTurn('list the tools');
      const reply = await voice.model.next();
      reply.toolCall('call-1', 'nothing_here', {}).end();
      (await voice.model.next()).end();
      await waitFor(() => voice.frames.some((frame) => frame.type === 'answering' && !frame.active), { what: 'the answer to end' });
      const [user, answer] = voice.turns();
      assert.equal(user!.stt?.costUsd, undefined, 'deepgram:fake has no price');
      assert.equal(answer?.tts, undefined, 'no text was spoken');
    } finally {
      await voice.close();
    }
  });
});
