import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../server/providers/errors';
import { Guard, withFallback } from '../../server/providers/resilience';

const fast = { timeoutMs: 100, retries: 2, initialDelayMs: 1, maxDelayMs: 5, breakAfter: 3, halfOpenAfterMs: 60_000 };
const transient = () => Object.assign(new Error('503 from upstream'), { status: 503 });

describe('provider guard', () => {
  it('retries transient failures and returns the first success', async () => {
    let calls = 0;
    const guard = new Guard('llm', 'test', fast);
    const value = await guard.run(async () => {
      calls += 1;
      if (calls < 3) throw transient();
      return 'ok';
    });
    assert.deepEqual([value, calls], ['ok', 3]);
  });

  it('does not retry a request the provider refused', async () => {
    let calls = 0;
    const guard = new Guard('llm', 'test', fast);
    await assert.rejects(
      guard.run(async () => {
        calls += 1;
        throw Object.assign(new Error('invalid x-api-key'), { status: 401 });
      }),
      /invalid x-api-key/,
    );
    assert.equal(calls, 1);
  });

  it('times out a call that hangs, aborting its signal, and says how long it waited', async () => {
    const guard = new Guard('tts', 'slow', { ...fast, retries: 0 });
    let aborted = false;
    await assert.rejects(
      guard.run(
        (signal) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            }),
          ),
      ),
      (error: unknown) => error instanceof ProviderError && /did not answer within 100 ms/.test(error.message) && error.retryable,
    );
    assert.equal(aborted, true);
  });

  it('opens the circuit after repeated failures and then fails fast without calling', async () => {
    let calls = 0;
    const guard = new Guard('stt', 'flaky', { ...fast, retries: 0 });
    const failing = async () => {
      calls += 1;
      throw transient();
    };
    for (let i = 0; i < 3; i++) await assert.rejects(guard.run(failing));
    assert.equal(guard.open, true);
    await assert.rejects(guard.run(failing), /pauses it/);
    assert.equal(calls, 3);
  });

  it('falls back to the next provider on a transient failure, not on a refusal', async () => {
    const down = { name: 'down', guard: new Guard('llm', 'down', { ...fast, retries: 0 }) };
    const up = { name: 'up', guard: new Guard('llm', 'up', fast) };
    const used = await withFallback([down, up], async (provider) =>
      provider.guard.run(async () => {
        if (provider.name === 'down') throw transient();
        return provider.name;
      }),
    );
    assert.equal(used, 'up');
    const refused = withFallback([down, up], async (provider) => {
      throw new ProviderError('llm', provider.name, 'bad key', false);
    });
    await assert.rejects(refused, /bad key/);
  });
});

describe('provider guard after success', () => {
  it('leaves nothing behind when the deadline passes after a successful call', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const guard = new Guard('llm', 'quick', { ...fast, timeoutMs: 20 });
      assert.equal(await guard.run(async () => 'done'), 'done');
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});

describe('retryable errors', () => {
  it('treats a refused connection reported by the vendor SDKs as transient', async () => {
    const { APIConnectionError } = await import('openai');
    const { default: Anthropic } = await import('@anthropic-ai/sdk');
    const { isRetryable } = await import('../../server/providers/errors');
    assert.equal(isRetryable(new APIConnectionError({ message: 'Connection error.' })), true);
    assert.equal(isRetryable(new Anthropic.APIConnectionError({ message: 'Connection error.' })), true);
    assert.equal(isRetryable(new Error('bad input')), false);
  });
});
