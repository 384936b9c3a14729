/**
 * One conversation: a user turn in, an answer streamed out with tool calls run along the way, and
 * both turns committed to history as they complete. A new turn or a cancel stops the answer in
 * progress; what was produced so far is kept, marked interrupted. New turns take over one at a
 * time, in order; a turn arriving while too many wait for that is refused with a notice. A held
 * (speculative) answer shows, commits and runs tools only once its turn is confirmed, and leaves
 * no trace if dropped. Each answer is an AnswerTurn: its presenter (the typed chat, the voice loop)
 * reads its events and commits it when the user has had it.
 */
import type { ServerFrame } from '../../protocol/live';
import type { EmbeddingUsage, SessionType, SpeechUsage, ToolCallRecord, Turn } from '../../protocol/session';
import { notSent } from '../live/refusal';
import { errorMessage, type Logger } from '../log';
import type { ChatMessage, ChatRequest, DoneEvent, LlmEvent, ToolCall, UsageEvent } from '../providers/llm/types';
import type { PriceTable } from '../../protocol/pricing';
import { chatCost, DEFAULT_PRICES, embeddingCost } from '../pricing';
import type { SessionStore } from '../sessions/store';
import { runTool } from '../tools/registry';
import type { Tool, ToolContext } from '../tools/types';
import { AnswerTurn } from './answer';
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
  /** What the model's tokens cost (the defaults with the user's own prices over them). */
  prices?: PriceTable;
  /** The session's type, which chooses the tools of its own it is offered; absent: Collaborative Coding. */
  sessionType?: SessionType;
  toolContext: ToolContext;
}

export interface ConversationDeps {
  store: SessionStore;
  sessionId: string;
  /** Throws a ProviderError that says what to set up when no model is configured. */
  prepare(sessionId: string): Promise<TurnSetup>;
  tools: readonly Tool[];
  emit(frame: ServerFrame): void;
  log: Logger;
}

export interface BeginOptions {
  /** An answer started on an eager end of turn: seen only once confirmed. */
  held?: boolean;
  /** Where a refusal goes: the panel that sent the turn. */
  reply?: (frame: ServerFrame) => void;
  /** A spoken turn's recognizer audio, asked for when the user's turn is stored. */
  stt?: () => SpeechUsage | undefined;
}

/** Rounds of tool calls one answer may take before Parley stops it. */
export const MAX_TOOL_ROUNDS = 8;

/**
 * User turns that may wait for the answer in progress to stop. Stopping takes milliseconds (a
 * spoken answer clears its audio), so more waiting means turns come faster than answers can start;
 * each would commit a turn and start an answer only for the next to stop it.
 */
export const MAX_WAITING_TURNS = 2;

export class Conversation {
  private current: { turn: AnswerTurn; done: Promise<void> } | undefined;
  /** Turns waiting for the answer in progress to stop. */
  private waiting = 0;
  /** Settles once the latest turn has taken over (or failed to): the next one waits for it. */
  private lastTakeover: Promise<unknown> = Promise.resolve();

  private sessionId: string;

  constructor(private readonly deps: ConversationDeps) {
    this.sessionId = deps.sessionId;
  }

  /** Goes on in another session (a new one, say): the answer in progress stops first, and keeps its own session. */
  async switchTo(sessionId: string): Promise<void> {
    await this.cancel();
    this.sessionId = sessionId;
  }

  get answering(): boolean {
    return this.current !== undefined;
  }

  /** A typed turn: answered without voice, and committed as soon as the model is done. */
  async say(text: string, source: Turn['source'] = 'typed', options: { reply?: (frame: ServerFrame) => void } = {}): Promise<void> {
    const turn = this.begin(text, source, options);
    for await (const _event of turn.events()) {
      // The panel shows a typed answer from the conversation's frames: nothing else presents it.
    }
    turn.commit();
    await turn.finished;
  }

  /**
   * A user turn: stops any answer in progress, commits the turn and starts answering it; or
   * refuses it when too many turns wait. The answer's presenter reads its events and commits it.
   * A `held` answer (started on an eager end of turn) waits for `confirm()` to be seen at all.
   * A refusal goes to `reply`, the panel that sent the turn, when given; else to every panel.
   */
  begin(text: string, source: Turn['source'], options: BeginOptions = {}): AnswerTurn {
    const turn = new AnswerTurn({ held: options.held });
    if (this.waiting >= MAX_WAITING_TURNS) {
      this.refuse(text, options.reply ?? this.deps.emit);
      turn.settle();
      return turn;
    }
    void this.takeOver(turn, () => this.answer(text, source, turn, options.stt))
      .then(({ done }) => done)
      .catch((error: unknown) => this.deps.log.warn('The answer failed', { error: errorMessage(error) }))
      .finally(() => {
        if (this.current?.turn === turn) this.current = undefined;
        turn.settle();
      });
    return turn;
  }

  /**
   * Starts an answer once every turn before it has started its own, and the answer in progress
   * has stopped. Turns arriving together would otherwise all wait for the same answer to stop
   * and then answer at once.
   */
  private takeOver(turn: AnswerTurn, answer: () => Promise<void>): Promise<{ done: Promise<void> }> {
    this.waiting++;
    const started = this.lastTakeover.then(async () => {
      try {
        await this.cancel();
      } finally {
        this.waiting--;
      }
      const done = answer();
      this.current = { turn, done };
      return { done };
    });
    this.lastTakeover = started.catch(() => undefined);
    return started;
  }

  private refuse(text: string, reply: (frame: ServerFrame) => void): void {
    this.deps.log.warn('Refused a user turn: too many turns are waiting for the answer in progress to stop', { waiting: this.waiting });
    reply(notSent('Parley is still stopping an answer for your earlier messages', text));
  }

  /** Stops the answer in progress; how it ended is for its own turn to report. */
  async cancel(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.turn.interrupt();
    await current.done.catch(() => undefined);
  }

  private async answer(said: string, source: Turn['source'], turn: AnswerTurn, stt: BeginOptions['stt']): Promise<void> {
    const { store, emit } = this.deps;
    const sessionId = this.sessionId;
    // A key the user typed or read out is masked before it is stored, shown or sent anywhere.
    const text = await redactSecrets(said);
    const history = historyMessages(store.turns(sessionId));
    turn.run(() => {
      // Asked only now: a held answer's turn knows its audio once the recognizer confirmed it.
      const heard = stt?.();
      const user = { role: 'user' as const, text, interrupted: false, source, toolCalls: [], ...(heard ? { stt: heard } : {}), createdAt: Date.now() };
      emit({ type: 'turn', turn: store.append(sessionId, user) });
    });
    turn.run(() => emit({ type: 'answering', active: true }));
    try {
      await this.run([...history, { role: 'user', text }], turn, sessionId);
    } catch (error) {
      if (!turn.interrupted) {
        this.deps.log.warn('The answer failed', { error: errorMessage(error) });
        turn.publish({ type: 'error', message: errorMessage(error) });
        turn.run(() => emit({ type: 'notice', level: 'error', message: errorMessage(error) }));
      }
    }
    turn.end();
    // A dropped speculative answer was never seen: there is nothing to finish or commit.
    if (await turn.released) await this.finish(turn, sessionId);
  }

  /** Once its presenter commits it (a spoken answer after it was played), the answer is stored as heard. */
  private async finish(turn: AnswerTurn, sessionId: string): Promise<void> {
    const { store, emit } = this.deps;
    await turn.committed;
    // Read after the answer was played: the user may have cut in while it was.
    const interrupted = turn.interrupted;
    const said = (interrupted ? turn.heard : undefined) ?? turn.text;
    if (said || turn.toolCalls.length > 0) {
      const metrics = { ...turn.metrics };
      const stored = {
        role: 'assistant' as const,
        text: await redactSecrets(said),
        interrupted,
        toolCalls: turn.toolCalls,
        ...(Object.keys(metrics).length ? { metrics } : {}),
        ...(turn.usage ? { usage: turn.usage } : {}),
        ...(turn.tts ? { tts: turn.tts } : {}),
        ...(turn.embeddings ? { embeddings: turn.embeddings } : {}),
        createdAt: Date.now(),
      };
      emit({ type: 'turn', turn: store.append(sessionId, stored) });
      if (stored.metrics) this.deps.log.info('Turn metrics', { ...stored.metrics });
    }
    emit({ type: 'answering', active: false });
  }

  /** Model rounds until an answer without tool calls, running the tools in between. */
  private async run(messages: ChatMessage[], turn: AnswerTurn, sessionId: string): Promise<void> {
    const { model, context, toolContext, prices = DEFAULT_PRICES, sessionType = 'coding' } = await this.deps.prepare(sessionId);
    // A turn that took over while this one was preparing: the model need not hear this one.
    const { signal } = turn;
    if (signal.aborted) return;
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      // Asked each round: a tool may withdraw itself for the rest of the answer (a command denied twice) or outside a trusted workspace.
      const tools = this.deps.tools.filter((tool) => (tool.sessionTypes?.includes(sessionType) ?? true) && (tool.offered?.(signal) ?? true));
      const { text, calls } = await this.stream(
        model,
        prices,
        { system: SYSTEM_PROMPT, context, messages, tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })) },
        turn,
      );
      if (signal.aborted || calls.length === 0) return;
      // Tools act on the editor (open a file, propose an edit): a held answer runs them only once confirmed.
      if (!(await turn.released)) return;
      messages.push({ role: 'assistant', text, toolCalls: calls });
      for (const call of calls)
        messages.push(await this.runCall(call, tools, { ...toolContext, meterEmbeddings: (usage) => addEmbeddings(turn, usage, prices) }, turn));
    }
    this.deps.emit({ type: 'notice', level: 'warning', message: `Parley stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls.` });
  }

  /** One model round; the answer's time to first token is taken at the first text or tool call of its first round. */
  private async stream(model: ChatModel, prices: PriceTable, request: ChatRequest, turn: AnswerTurn): Promise<{ text: string; calls: ToolCall[] }> {
    let text = '';
    const calls: ToolCall[] = [];
    const started = performance.now();
    let usage: UsageEvent | undefined;
    for await (const event of model.chat(request, turn.signal)) {
      if (event.type === 'text' || event.type === 'toolCall') turn.metrics.llmTtftMs ??= performance.now() - started;
      if (event.type === 'usage') usage = event;
      if (event.type === 'done' && usage) addUsage(turn, event, usage, prices);
      if (event.type === 'text') {
        text += event.text;
        turn.text += event.text;
        turn.publish({ type: 'text', text: event.text });
        turn.run(() => this.deps.emit({ type: 'assistantDelta', text: event.text }));
      } else if (event.type === 'toolCall') {
        calls.push({ id: event.id, name: event.name, input: event.input });
      }
    }
    return { text, calls };
  }

  private async runCall(call: ToolCall, tools: readonly Tool[], toolContext: ToolContext, turn: AnswerTurn): Promise<ChatMessage> {
    const record: ToolCallRecord = { id: call.id, name: call.name, input: call.input };
    turn.toolCalls.push(record);
    this.toolCall(turn, record, 'running');
    const context = { ...toolContext, announce: (text: string) => this.announce(turn, text) };
    const result = await runTool(tools, call.name, call.input, context, turn.signal);
    // Masked here too, not only on the way to the model: the result is stored with the session and shown in the panel.
    result.content = await redactSecrets(result.content);
    Object.assign(record, {
      result: result.content,
      ...(result.isError ? { isError: true } : {}),
      ...(result.citations?.length ? { citations: result.citations } : {}),
    });
    this.toolCall(turn, record, 'done');
    return { role: 'tool', toolCallId: call.id, content: result.content, ...(result.isError ? { isError: true } : {}) };
  }

  /** Words a tool adds to the answer (asking for approval): shown like the model's text, and spoken in voice mode. */
  private announce(turn: AnswerTurn, text: string): void {
    turn.text += text;
    turn.publish({ type: 'text', text });
    turn.run(() => this.deps.emit({ type: 'assistantDelta', text }));
  }

  private toolCall(turn: AnswerTurn, call: ToolCallRecord, state: 'running' | 'done'): void {
    turn.publish({ type: 'toolCall', call, state });
    this.deps.emit({ type: 'toolCall', call, state });
  }
}

/** Adds the tokens one search had embedded, priced, to its answer's. */
function addEmbeddings(turn: AnswerTurn, usage: Omit<EmbeddingUsage, 'costUsd'>, prices: PriceTable): void {
  const before = turn.embeddings;
  const tokens = (before?.tokens ?? 0) + usage.tokens;
  const cost = embeddingCost(prices, { ...usage, tokens });
  turn.embeddings = { provider: usage.provider, model: usage.model, tokens, ...(cost === undefined ? {} : { costUsd: cost }) };
}

/** Adds one round's usage, priced, to its answer's. */
function addUsage(turn: AnswerTurn, done: DoneEvent, usage: UsageEvent, prices: PriceTable): void {
  const round = {
    provider: done.provider,
    model: done.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
  };
  const cost = chatCost(prices, round);
  const before = turn.usage;
  if (!before) {
    turn.usage = { ...round, ...(cost === undefined ? {} : { costUsd: cost }) };
    return;
  }
  const costUsd = before.costUsd === undefined || cost === undefined ? undefined : before.costUsd + cost;
  turn.usage = {
    provider: done.provider,
    model: done.model,
    inputTokens: before.inputTokens + round.inputTokens,
    outputTokens: before.outputTokens + round.outputTokens,
    cacheReadTokens: before.cacheReadTokens + round.cacheReadTokens,
    cacheWriteTokens: before.cacheWriteTokens + round.cacheWriteTokens,
    ...(costUsd === undefined ? {} : { costUsd }),
  };
}
