/**
 * A chat model the test drives: each request waits for the test to take it (`next()`), and its
 * reply streams only what the test sends — text, tool calls — until the test ends it or the
 * answer is stopped. Nothing is timed: a test decides when every token comes.
 */
import type { ChatModel } from '../../../server/conversation/conversation';
import type { ChatRequest, LlmEvent } from '../../../server/providers/llm/types';

export class FakeReply {
  private events: LlmEvent[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  /** True once the conversation stopped reading (the answer was stopped). */
  aborted = false;

  constructor(readonly request: ChatRequest) {}

  /** The user's last words, as the model got them. */
  get question(): string {
    const last = this.request.messages.at(-1);
    return last?.role === 'user' ? last.text : '';
  }

  text(text: string): this {
    return this.push({ type: 'text', text, createdAt: Date.now() });
  }

  toolCall(id: string, name: string, input: Record<string, unknown>): this {
    return this.push({ type: 'toolCall', id, name, input, createdAt: Date.now() });
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  async *stream(signal: AbortSignal): AsyncGenerator<LlmEvent> {
    const stop = () => {
      this.aborted = true;
      this.notify();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        const event = this.events.shift();
        if (event) yield event;
        else if (this.ended) return;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  private push(event: LlmEvent): this {
    this.events.push(event);
    this.notify();
    return this;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export class FakeChatModel implements ChatModel {
  readonly replies: FakeReply[] = [];
  private taken = 0;
  private arrived: (() => void) | undefined;

  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<LlmEvent> {
    const reply = new FakeReply(request);
    this.replies.push(reply);
    this.arrived?.();
    return reply.stream(signal);
  }

  /** The next request the model gets (waiting for it if it has not come yet). */
  async next(): Promise<FakeReply> {
    while (this.replies.length <= this.taken) await new Promise<void>((resolve) => (this.arrived = resolve));
    return this.replies[this.taken++]!;
  }
}
