import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../server/log';
import { ProviderError } from '../../../server/providers/errors';
import { LLM, type ChatRequest, type LlmEvent, type ProviderChunk } from '../../../server/providers/llm';
import type { ResilienceOptions } from '../../../server/providers/resilience';

const FAST: ResilienceOptions = { timeoutMs: 500, retries: 2, initialDelayMs: 1, maxDelayMs: 5, breakAfter: 50, halfOpenAfterMs: 60_000 };
const VENDOR = { label: 'Scripted', keyHint: 'Check the script.', notFoundHint: 'No such model.' };
const ASK: ChatRequest = { system: 'Be brief.', messages: [{ role: 'user', text: 'hi' }] };
const transient = () => Object.assign(new Error('503 from upstream'), { status: 503 });

type Step = ProviderChunk | Error;

/** An LLM whose stream hook plays one script per attempt, so the base class rules can be seen alone. */
class ScriptedLLM extends LLM {
  attempts = 0;

  constructor(private readonly scripts: Step[][]) {
    super(
      'openai-compatible',
      'scripted',
      VENDOR,
      createLogger(() => undefined),
      { resilience: FAST },
    );
  }

  protected async *stream(): AsyncGenerator<ProviderChunk> {
    const script = this.scripts[this.attempts++] ?? [];
    for (const step of script) {
      await Promise.resolve();
      if (step instanceof Error) throw step;
      yield step;
    }
  }

  protected explain(error: unknown): ProviderError {
    const status = (error as { status?: number }).status;
    return new ProviderError('llm', VENDOR.label, `failed: ${(error as Error).message}`, status === undefined || status >= 500);
  }
}

async function run(llm: LLM): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const event of llm.chat(ASK)) events.push(event);
  return events;
}

const text = (t: string): ProviderChunk => ({ type: 'text', text: t });
const stop: ProviderChunk = { type: 'stop', stopReason: 'end' };

describe('LLM base: retries before the first token, never after', () => {
  it('retries a transient failure that happens before any text', async () => {
    const llm = new ScriptedLLM([[transient()], [text('Hello.'), stop]]);
    const events = await run(llm);
    assert.deepEqual(
      events.map((e) => e.type),
      ['text', 'done'],
    );
    assert.equal(llm.attempts, 2);
  });

  it('surfaces a failure after text has been yielded, without a second attempt', async () => {
    const llm = new ScriptedLLM([
      [text('Hel'), transient()],
      [text('Hello.'), stop],
    ]);
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const event of llm.chat(ASK)) if (event.type === 'text') seen.push(event.text);
    }, /failed: 503 from upstream/);
    assert.deepEqual(seen, ['Hel']);
    assert.equal(llm.attempts, 1);
  });

  it('keeps usage that arrives before the first text, and ends with done carrying the timings', async () => {
    const usage: ProviderChunk = { type: 'usage', inputTokens: 3, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const events = await run(new ScriptedLLM([[usage, text('Hi.'), stop]]));
    assert.deepEqual(
      events.map((e) => e.type),
      ['usage', 'text', 'done'],
    );
    const done = events[2];
    assert.ok(done?.type === 'done' && done.ttftMs >= 0 && done.durationMs >= done.ttftMs && done.provider === 'openai-compatible');
  });

  it('calls a stream that stops without text or tool call empty, and one that just ends incomplete', async () => {
    await assert.rejects(run(new ScriptedLLM([[stop], [stop], [stop]])), /Scripted returned an empty answer/);
    await assert.rejects(run(new ScriptedLLM([[text('Half')]])), /Scripted ended the answer before it was complete/);
  });

  it('an abort ends the iteration quietly, without done', async () => {
    const controller = new AbortController();
    const llm = new ScriptedLLM([[text('one'), text('two'), stop]]);
    const events: LlmEvent[] = [];
    for await (const event of llm.chat(ASK, controller.signal)) {
      events.push(event);
      controller.abort();
    }
    assert.deepEqual(
      events.map((e) => e.type),
      ['text'],
    );
  });

  it('an answer can be read only once', async () => {
    const answer = await new ScriptedLLM([[text('Hi.'), stop]]).open(ASK);
    for await (const _event of answer);
    await assert.rejects(async () => {
      for await (const _event of answer);
    }, /read only once/);
  });
});
