import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../../server/providers/errors';
import { AnthropicLLM, OpenAILLM, type LLM, type LlmEvent } from '../../../server/providers/llm';
import { waitFor } from '../../support/poll';
import { startAnthropicStandIn, startOpenAIStandIn, type AnthropicStandIn, type OpenAIStandIn } from '../../support/standins';
import { ASK, FAST, memoryLog } from './helpers';
import { startWiretap, type Wiretap } from './wiretap';

const LONG = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

interface Rig {
  name: string;
  standIn: AnthropicStandIn | OpenAIStandIn;
  tap: Wiretap;
  llm: LLM;
  script(text: string): void;
}

async function anthropicRig(): Promise<Rig> {
  const standIn = await startAnthropicStandIn();
  const tap = await startWiretap(standIn.port);
  const llm = new AnthropicLLM({ apiKey: 'sk-ant-test', baseUrl: tap.url }, memoryLog(), { resilience: FAST });
  return { name: 'Anthropic', standIn, tap, llm, script: (text) => standIn.replies.push({ text }) };
}

async function openAIRig(): Promise<Rig> {
  const standIn = await startOpenAIStandIn();
  const tap = await startWiretap(standIn.port);
  const llm = OpenAILLM.openai({ apiKey: 'sk-test', baseUrl: `${tap.url}/v1` }, memoryLog(), { resilience: FAST });
  return { name: 'OpenAI', standIn, tap, llm, script: (text) => standIn.chat.push({ text }) };
}

for (const makeRig of [anthropicRig, openAIRig]) {
  describe(`barge-in on ${makeRig === anthropicRig ? 'Anthropic' : 'OpenAI'}: aborting stops the answer and closes its connection`, () => {
    let rig: Rig;

    before(async () => {
      rig = await makeRig();
      rig.standIn.latency.interTokenMs = 20;
    });
    after(async () => {
      await rig.tap.close();
      await rig.standIn.close();
    });

    it('an abort while the stream waits for the next token ends it within 100 ms, with no event after', async () => {
      rig.script(LONG);
      const controller = new AbortController();
      const tapped = rig.tap.connections.length;
      const afterAbort: LlmEvent[] = [];
      let abortedAt: number | undefined;
      let texts = 0;
      for await (const event of rig.llm.chat(ASK, controller.signal)) {
        if (abortedAt !== undefined) afterAbort.push(event);
        // The barge-in arrives from elsewhere (the VAD) while the loop awaits the next token.
        if (event.type === 'text' && ++texts === 3) {
          setImmediate(() => {
            abortedAt = performance.now();
            controller.abort();
          });
        }
      }
      const endedAt = performance.now();

      assert.ok(abortedAt !== undefined, 'the abort happened during the stream');
      assert.deepEqual(afterAbort, []);
      assert.ok(endedAt - abortedAt < 100, `iteration ended ${endedAt - abortedAt} ms after the abort`);
      const connection = await waitFor(() => rig.tap.connections[tapped]?.closedAt !== undefined && rig.tap.connections[tapped], {
        what: 'the connection to close',
      });
      // 60 tokens at 20 ms take 1.2 s: a close this soon means the stream was cancelled, not drained.
      assert.ok(connection.closedAt! - abortedAt < 100, `connection closed ${connection.closedAt! - abortedAt} ms after the abort`);
    });

    it('a consumer that stops reading (break) closes the connection too', async () => {
      rig.script(LONG);
      const tapped = rig.tap.connections.length;
      let brokeAt = 0;
      for await (const event of rig.llm.chat(ASK)) {
        if (event.type === 'text') {
          brokeAt = performance.now();
          break;
        }
      }
      const connection = await waitFor(() => rig.tap.connections[tapped]?.closedAt !== undefined && rig.tap.connections[tapped], {
        what: 'the connection to close',
      });
      assert.ok(connection.closedAt! - brokeAt < 100, `connection closed ${connection.closedAt! - brokeAt} ms after the break`);
    });

    it('an abort before the first token ends the answer quietly and cancels the request', async () => {
      rig.standIn.latency.ttfbMs = 2_000;
      try {
        const controller = new AbortController();
        const start = rig.standIn.requests.length;
        const tapped = rig.tap.connections.length;
        const events: LlmEvent[] = [];
        const reading = (async () => {
          for await (const event of rig.llm.chat(ASK, controller.signal)) events.push(event);
        })();
        await waitFor(() => rig.standIn.requests.length > start, { what: 'the request to arrive' });
        const abortedAt = performance.now();
        controller.abort();
        await reading;
        assert.ok(performance.now() - abortedAt < 100);
        assert.deepEqual(events, []);
        await waitFor(() => rig.tap.connections[tapped]?.closedAt !== undefined, { what: 'the connection to close' });
      } finally {
        rig.standIn.latency.ttfbMs = 0;
      }
    });
  });
}

describe('deadlines', () => {
  let standIn: OpenAIStandIn;

  before(async () => {
    standIn = await startOpenAIStandIn();
  });
  after(() => standIn.close());

  it('a provider that hangs is timed out per attempt, retried, and reported within the deadline', async () => {
    const start = standIn.requests.length;
    standIn.failNext({ kind: 'hang' }, { times: 2 });
    const llm = OpenAILLM.openai({ apiKey: 'sk-test', baseUrl: standIn.baseURL }, memoryLog(), { resilience: { ...FAST, timeoutMs: 300, retries: 1 } });
    const began = performance.now();
    await assert.rejects(
      async () => {
        for await (const _event of llm.chat(ASK));
      },
      (error) => error instanceof ProviderError && error.retryable && error.message === 'OpenAI did not answer within 300 ms.',
    );
    const elapsed = performance.now() - began;
    // Two attempts of 300 ms and one backoff of at most 20 ms, with room for a busy machine.
    assert.ok(elapsed >= 600 && elapsed < 900, `gave up after ${elapsed} ms`);
    assert.equal(standIn.requests.length - start, 2);
  });

  it('a stream that goes silent mid-answer fails after the stall timeout instead of hanging', async () => {
    standIn.latency.interTokenMs = 400;
    try {
      standIn.chat.push({ text: 'one two three' });
      const llm = OpenAILLM.openai({ apiKey: 'sk-test', baseUrl: standIn.baseURL }, memoryLog(), {
        resilience: { ...FAST, timeoutMs: 3_000 },
        stallTimeoutMs: 150,
      });
      const texts: string[] = [];
      let firstAt = 0;
      await assert.rejects(
        async () => {
          for await (const event of llm.chat(ASK)) {
            if (event.type !== 'text') continue;
            texts.push(event.text);
            firstAt = performance.now();
          }
        },
        (error) => error instanceof ProviderError && /OpenAI stopped sending in the middle of the answer \(nothing for 150 ms\)/.test(error.message),
      );
      const waited = performance.now() - firstAt;
      assert.deepEqual(texts, ['one']);
      assert.ok(waited >= 140 && waited < 400, `stalled out ${waited} ms after the last token`);
    } finally {
      standIn.latency.interTokenMs = 0;
    }
  });
});
