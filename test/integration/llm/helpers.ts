/** Shared pieces of the LLM stage tests. */
import { createLogger, type Logger } from '../../../server/log';
import type { ResilienceOptions } from '../../../server/providers/resilience';
import type { ChatRequest, LlmEvent, ToolDefinition } from '../../../server/providers/llm';

/** Quick retries so fault tests finish fast; the breaker stays out of the way unless a test wants it. */
export const FAST: ResilienceOptions = { timeoutMs: 2_000, retries: 2, initialDelayMs: 5, maxDelayMs: 20, breakAfter: 50, halfOpenAfterMs: 60_000 };

export const NO_RETRIES: ResilienceOptions = { ...FAST, retries: 0 };

export const OPEN_FILE: ToolDefinition = {
  name: 'open_file',
  description: 'Open a workspace file at a line.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, line: { type: 'number' } }, required: ['path'] },
};

export const SEARCH: ToolDefinition = {
  name: 'search_workspace',
  description: 'Search the workspace text.',
  inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};

export const ASK: ChatRequest = {
  system: 'You are Parley, a concise spoken pair-programmer.',
  messages: [{ role: 'user', text: 'why is this test failing?' }],
};

/** A logger that keeps its lines, so tests can check what was (and was not) logged. */
export function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger((level, line) => lines.push(`[${level}] ${line}`)),
    { lines },
  );
}

export async function collect(events: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

export function textOf(events: readonly LlmEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

export function typesOf(events: readonly LlmEvent[]): string[] {
  return events.map((e) => e.type);
}

/** The last event, which must be `done`. */
export function doneOf(events: readonly LlmEvent[]) {
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error(`The stream did not end with done: ${typesOf(events).join(', ')}`);
  return last;
}
