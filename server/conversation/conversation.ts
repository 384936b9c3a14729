/**
 * One conversation: a user turn in, an answer streamed out with tool calls run along the way, and
 * both turns committed to history as they complete. A new turn or a cancel stops the answer in
 * progress; what was produced so far is kept, marked interrupted. New turns take over one at a
 * time, in order; a turn arriving while too many wait for that is refused with a notice. A held
 * (speculative) answer shows, commits and runs tools only once its turn is confirmed, and leaves
 * no trace if dropped.
 */
import type { ServerFrame } from '../../protocol/live';
import type { ToolCallRecord, Turn, TurnMetrics } from '../../protocol/session';
import { notSent } from '../live/refusal';
import { errorMessage, type Logger } from '../log';
import type { ChatMessage, ChatRequest, LlmEvent, ToolCall } from '../providers/llm/types';
import type { SessionStore } from '../sessions/store';
import { runTool } from '../tools/registry';
import type { Tool, ToolContext } from '../tools/types';
import { HeldOutput } from './held';
import { historyMessages } from './history';
import { SYSTEM_PROMPT } from './prompt';
import { redactSecrets } from '../secrets/redact';

/** The model as the conversation needs it; the LLM stage provides this with fallback and retries. */
export interface ChatModel {
  chat(request: ChatRequest, signal: AbortSignal): AsyncIterable<LlmEvent>;
}

/** What one turn works with, gathered when it starts. */
export interface TurnSetup {
  /** The configured model, with its fallbacks and retries. */
  model: ChatModel;
  /** The editor context for this turn (see context.ts). */
  context: string;
  toolContext: ToolContext;
}

export interface ConversationDeps {
  store: SessionStore;
  sessionId: string;
  /** Throws a ProviderError that says what to set up when no model is configured. */
  prepare(): Promise<TurnSetup>;
  tools: readonly Tool[];
  emit(frame: ServerFrame): void;
  log: Logger;
}

/** How a spoken turn follows its answer: the voice loop speaks the text and reports what was heard. */
export interface AnswerHooks {
  /** More answer text, as it streams. */
  onText?(text: string): void;
  /**
   * The model is done (or was stopped); runs before the turn is committed. A spoken answer waits
   * here until it has been played; `signal` aborts if the user cuts in meanwhile.
   */
  onModelDone?(interrupted: boolean, signal: AbortSignal): Promise<void>;
  /** For an interrupted answer: what the user actually heard, committed instead of the full text. */
  heard?(): string | undefined;
  /** Metrics measured outside the conversation (speech to text, audio), merged into the turn's. */
  metrics?(): TurnMetrics;
  /**
   * A speculative answer, started before the user's turn was confirmed: the model runs, but the
   * user turn, the answer's text (onText and the panel), tool calls and the commit wait until this
   * resolves. True releases them in order; false stops the answer and drops every trace of it.
   */
  held?: Promise<boolean>;
}

/** Rounds of tool calls one answer may take before Parley stops it. */
export const MAX_TOOL_ROUNDS = 8;

/**
 * User turns that may wait for the answer in progress to stop. Stopping takes milliseconds (a
 * spoken answer clears its audio), so more waiting means turns come faster than answers can start;
 * each would commit a turn and start an answer only for the next to stop it.
 */
export const MAX_WAITING_TURNS = 2;

interface Answer {
  text: string;
  toolCalls: ToolCallRecord[];
  ttftMs?: number;
  onText?: (text: string) => void;
  output: HeldOutput;
}

export class Conversation {
  private current: { controller: AbortController; done: Promise<void> } | undefined;
  /** Turns waiting for the answer in progress to stop. */
  private waiting = 0;
  /** Settles once the latest turn has taken over (or failed to): the next one waits for it. */
  private lastTakeover: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ConversationDeps) {}

  get answering(): boolean {
    return this.current !== undefined;
  }

  /** A user turn: stops any answer in progress, commits the turn, answers it; or refuses it when too many turns wait. */
  async say(text: string, source: Turn['source'] = 'typed', hooks: AnswerHooks = {}): Promise<void> {
    if (this.waiting >= MAX_WAITING_TURNS) return this.refuse(text);
    const controller = new AbortController();
    hooks.held?.then(
      (confirmed) => {
        if (!confirmed) controller.abort();
      },
      () => controller.abort(),
    );
    const { done } = await this.takeOver(controller, () => this.answer(text, source, controller.signal, hooks));
    try {
      await done;
    } finally {
      if (this.current?.controller === controller) this.current = undefined;
    }
  }

  /**
   * Starts an answer once every turn before it has started its own, and the answer in progress
   * has stopped. Turns arriving together would otherwise all wait for the same answer to stop
   * and then answer at once.
   */
  private takeOver(controller: AbortController, answer: () => Promise<void>): Promise<{ done: Promise<void> }> {
    this.waiting++;
    const started = this.lastTakeover.then(async () => {
      try {
        await this.cancel();
      } finally {
        this.waiting--;
      }
      const done = answer();
      this.current = { controller, done };
      return { done };
    });
    this.lastTakeover = started.catch(() => undefined);
    return started;
  }

  private refuse(text: string): void {
    this.deps.log.warn('Refused a user turn: too many turns are waiting for the answer in progress to stop', { waiting: this.waiting });
    this.deps.emit(notSent('Parley is still stopping an answer for your earlier messages', text));
  }

  /** Stops the answer in progress; how it ended is for its own turn to report. */
  async cancel(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.controller.abort();
    await current.done.catch(() => undefined);
  }

  private async answer(said: string, source: Turn['source'], signal: AbortSignal, hooks: AnswerHooks): Promise<void> {
    const { store, sessionId, emit } = this.deps;
    // A key the user typed or read out is masked before it is stored, shown or sent anywhere.
    const text = await redactSecrets(said);
    const history = historyMessages(store.turns(sessionId));
    const output = new HeldOutput(hooks.held, signal);
    output.run(() => emit({ type: 'turn', turn: store.append(sessionId, { role: 'user', text, interrupted: false, source, toolCalls: [], createdAt: Date.now() }) }));
    output.run(() => emit({ type: 'answering', active: true }));
    const answer: Answer = { text: '', toolCalls: [], onText: hooks.onText, output };
    try {
      await this.run([...history, { role: 'user', text }], answer, signal);
    } catch (error) {
      if (!signal.aborted) {
        this.deps.log.warn('The answer failed', { error: errorMessage(error) });
        output.run(() => emit({ type: 'notice', level: 'error', message: errorMessage(error) }));
      }
    }
    // A dropped speculative answer was never seen: there is nothing to finish or commit.
    if (await output.released) await this.finish(answer, signal, hooks);
  }

  /** After the model: the spoken answer plays out, then the answer is committed as heard. */
  private async finish(answer: Answer, signal: AbortSignal, hooks: AnswerHooks): Promise<void> {
    const { store, sessionId, emit } = this.deps;
    await hooks.onModelDone?.(signal.aborted, signal).catch((error: unknown) => this.deps.log.warn('Finishing the spoken answer failed', { error: errorMessage(error) }));
    // Read after the answer was played: the user may have cut in while it was.
    const interrupted = signal.aborted;
    const said = (interrupted ? hooks.heard?.() : undefined) ?? answer.text;
    if (said || answer.toolCalls.length > 0) {
      const metrics: TurnMetrics = { ...(answer.ttftMs === undefined ? {} : { llmTtftMs: answer.ttftMs }), ...hooks.metrics?.() };
      const turn = { role: 'assistant' as const, text: await redactSecrets(said), interrupted, toolCalls: answer.toolCalls, ...(Object.keys(metrics).length ? { metrics } : {}), createdAt: Date.now() };
      emit({ type: 'turn', turn: store.append(sessionId, turn) });
      if (turn.metrics) this.deps.log.info('Turn metrics', { ...turn.metrics });
    }
    emit({ type: 'answering', active: false });
  }

  /** Model rounds until an answer without tool calls, running the tools in between. */
  private async run(messages: ChatMessage[], answer: Answer, signal: AbortSignal): Promise<void> {
    const { model, context, toolContext } = await this.deps.prepare();
    // A turn that took over while this one was preparing: the model need not hear this one.
    if (signal.aborted) return;
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      const { text, calls } = await this.stream(model, { system: SYSTEM_PROMPT, context, messages, tools: this.deps.tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })) }, answer, signal);
      if (signal.aborted || calls.length === 0) return;
      // Tools act on the editor (open a file, propose an edit): a held answer runs them only once confirmed.
      if (!(await answer.output.released)) return;
      messages.push({ role: 'assistant', text, toolCalls: calls });
      for (const call of calls) messages.push(await this.runCall(call, toolContext, answer, signal));
    }
    this.deps.emit({ type: 'notice', level: 'warning', message: `Parley stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls.` });
  }

  /** One model round; the answer's time to first token is taken at the first text or tool call of its first round. */
  private async stream(model: ChatModel, request: ChatRequest, answer: Answer, signal: AbortSignal): Promise<{ text: string; calls: ToolCall[] }> {
    let text = '';
    const calls: ToolCall[] = [];
    const started = performance.now();
    for await (const event of model.chat(request, signal)) {
      if (event.type === 'text' || event.type === 'toolCall') answer.ttftMs ??= performance.now() - started;
      if (event.type === 'text') {
        text += event.text;
        answer.text += event.text;
        answer.output.run(() => {
          answer.onText?.(event.text);
          this.deps.emit({ type: 'assistantDelta', text: event.text });
        });
      } else if (event.type === 'toolCall') {
        calls.push({ id: event.id, name: event.name, input: event.input });
      }
    }
    return { text, calls };
  }

  private async runCall(call: ToolCall, toolContext: ToolContext, answer: Answer, signal: AbortSignal): Promise<ChatMessage> {
    const record: ToolCallRecord = { id: call.id, name: call.name, input: call.input };
    answer.toolCalls.push(record);
    this.deps.emit({ type: 'toolCall', call: record, state: 'running' });
    const result = await runTool(this.deps.tools, call.name, call.input, toolContext, signal);
    // Masked here too, not only on the way to the model: the result is stored with the session and shown in the panel.
    result.content = await redactSecrets(result.content);
    Object.assign(record, { result: result.content, ...(result.isError ? { isError: true } : {}), ...(result.citations?.length ? { citations: result.citations } : {}) });
    this.deps.emit({ type: 'toolCall', call: record, state: 'done' });
    return { role: 'tool', toolCallId: call.id, content: result.content, ...(result.isError ? { isError: true } : {}) };
  }
}
