/**
 * Eager end of turn in the voice loop, with Deepgram Flux (the stand-in, through the SDK): the
 * answer starts on EagerEndOfTurn, is held until EndOfTurn confirms the same words, and is dropped
 * unseen and unheard when the user goes on. A real recording is the microphone at real-time pace.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import { Keys } from '../../server/providers/keys';
import { decodeWav } from '../../server/audio/wav';
import { REPO } from '../support/paths';
import { startDeepgramStandIn, startOpenAIStandIn, type DeepgramStandIn, type FluxCue } from '../support/standins';
import type { RecordedRequest } from '../support/standins/exchange';
import { runVoiceLoop } from '../support/voice-loop';

const AUDIO = join(REPO, '..', 'shared', 'audio');
const silence = (ms: number) => Buffer.alloc(Math.round((ms * 16_000) / 1000) * 2);
/** why_failing.wav after 500 ms of silence: the speech ends near 2040 ms of the stream. */
const MICROPHONE = Buffer.concat([silence(500), decodeWav(readFileSync(join(AUDIO, 'why_failing.wav'))).pcm, silence(1500)]);
const LLM_MS = 350;
/** How much earlier than the EndOfTurn the EagerEndOfTurn comes. */
const EAGER_LEAD_MS = 350;

type ChatBody = { messages: { role: string; content: string }[] };
const lastUserText = (request: RecordedRequest) => (request.body as ChatBody).messages.filter((m) => m.role === 'user').at(-1)!.content;

describe('eager end of turn with Deepgram Flux', { timeout: 120_000 }, () => {
  let deepgram: DeepgramStandIn;
  let llm: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let tts: Awaited<ReturnType<typeof startOpenAIStandIn>>;

  before(async () => {
    deepgram = await startDeepgramStandIn({ apiKey: 'dg-test' });
    llm = await startOpenAIStandIn({ latency: { ttfbMs: LLM_MS, interTokenMs: 5 } });
    tts = await startOpenAIStandIn({ latency: { ttfbMs: 50, interTokenMs: 5 } });
  });
  after(async () => {
    await Promise.all([deepgram.close(), llm.close(), tts.close()]);
  });

  function settings(eagerEndOfTurn: boolean): ParleySettings {
    return {
      ...structuredClone(DEFAULT_SETTINGS),
      llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl: llm.baseURL },
      stt: { provider: 'deepgram', model: 'flux-general-en', baseUrl: deepgram.baseUrl },
      tts: { provider: 'openai', model: 'tts-1', baseUrl: tts.baseURL },
      voice: { ...DEFAULT_SETTINGS.voice, eagerEndOfTurn },
    };
  }
  const keys = new Keys({ DEEPGRAM_API_KEY: 'dg-test', OPENAI_API_KEY: 'sk-test-0123456789abcdefghij' });
  const run = (eager: boolean) => runVoiceLoop({ settings: settings(eager), keys, microphone: MICROPHONE });
  const spoken = () => tts.requests.filter((r) => r.path === '/v1/audio/speech').map((r) => (r.body as { input: string }).input);

  it('answers sooner when the answer starts on EagerEndOfTurn and EndOfTurn confirms it', async (t) => {
    const cues: FluxCue[] = [
      { atMs: 900, event: 'Update', transcript: 'why is this' },
      { atMs: 2500 - EAGER_LEAD_MS, event: 'EagerEndOfTurn', transcript: 'why is this test failing' },
      { atMs: 2500, event: 'EndOfTurn', transcript: 'why is this test failing' },
    ];
    deepgram.flux.push(cues, cues);
    llm.chat.push({ text: 'The assertion expects three.' }, { text: 'The assertion expects three.' });
    const plain = await run(false);
    const eager = await run(true);

    for (const { turns } of [plain, eager]) {
      assert.deepEqual(
        turns.map((t) => [t.role, t.text, t.interrupted]),
        [
          ['user', 'why is this test failing', false],
          ['assistant', 'The assertion expects three.', false],
        ],
      );
    }
    assert.equal(deepgram.fluxSessions.at(-1)!.request.query.eager_eot_threshold, '0.5');
    const v2v = (turns: typeof plain.turns) => turns[1]!.metrics!.voiceToVoiceMs!;
    const saved = v2v(plain.turns) - v2v(eager.turns);
    t.diagnostic(`voice to voice ${Math.round(v2v(plain.turns))} ms without eager, ${Math.round(v2v(eager.turns))} ms with it`);
    // The model's first token comes LLM_MS after it starts: with a 350 ms head start the answer is
    // ready as the turn is confirmed. Allow 150 ms for scheduling.
    assert.ok(
      saved >= EAGER_LEAD_MS - 150,
      `eager answered ${Math.round(saved)} ms sooner (${Math.round(v2v(plain.turns))} → ${Math.round(v2v(eager.turns))} ms voice to voice)`,
    );
    assert.ok(eager.turns[1]!.metrics!.endOfSpeechToFinalMs! > 0, 'the turn still counts from its confirmed end');
  });

  it('drops the answer started on EagerEndOfTurn when the user goes on: never spoken, never stored, the final answer hears the whole turn', async () => {
    deepgram.flux.push([
      { atMs: 1500, event: 'EagerEndOfTurn', transcript: 'why is this' },
      { atMs: 1900, event: 'TurnResumed', transcript: 'why is this test' },
      { atMs: 2500, event: 'EndOfTurn', transcript: 'why is this test failing' },
    ]);
    const asked: string[] = [];
    const reply = (request: RecordedRequest) => {
      asked.push(lastUserText(request));
      return { text: lastUserText(request).endsWith('failing') ? 'The list has two items.' : 'Speculative answer about this.' };
    };
    llm.chat.push(reply, reply);
    const before = spoken().length;
    const { turns, frames, sink } = await run(true);

    assert.deepEqual(asked, ['why is this', 'why is this test failing'], 'the model was asked early, then again with the whole turn');
    assert.deepEqual(
      turns.map((t) => [t.role, t.text, t.interrupted]),
      [
        ['user', 'why is this test failing', false],
        ['assistant', 'The list has two items.', false],
      ],
    );
    assert.deepEqual(spoken().slice(before), ['The list has two items.'], 'only the final answer reached the voice');
    assert.ok(sink.played.length > 0);
    const shown = frames.flatMap((f) => (f.type === 'assistantDelta' ? [f.text] : f.type === 'turn' ? [f.turn.text] : []));
    assert.ok(!shown.join('').includes('Speculative'), 'the panel never saw the dropped answer');
  });
});
