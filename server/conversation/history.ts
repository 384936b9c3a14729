/**
 * Past turns as model messages. Earlier answers are replayed as their text plus a note of the
 * tools they used (not the tools' full results, which would cost tokens every turn), roles
 * alternate as both vendors expect, and an interrupted answer keeps only what was heard.
 */
import type { StoredTurn } from '../../protocol/session';
import type { ChatMessage } from '../providers/llm/types';

/** How many past turns are replayed to the model. */
export const HISTORY_TURNS = 24;

function assistantText(turn: StoredTurn): string {
  const tools = turn.toolCalls.map((call) => `${call.name}(${JSON.stringify(call.input)})`);
  return [turn.text, tools.length ? `[tools used: ${tools.join(', ')}]` : ''].filter(Boolean).join('\n');
}

export function historyMessages(turns: readonly StoredTurn[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const turn of turns.slice(-HISTORY_TURNS)) {
    const last = messages.at(-1);
    if (turn.role === 'user') {
      if (last?.role === 'user') last.text = `${last.text}\n\n${turn.text}`;
      else messages.push({ role: 'user', text: turn.text });
    } else if (last?.role === 'user') {
      messages.push({ role: 'assistant', text: assistantText(turn), ...(turn.interrupted ? { interrupted: true } : {}) });
    }
  }
  // The conversation continues with a new user turn, so it must not end on a dangling user message.
  if (messages.at(-1)?.role === 'user') messages.pop();
  return messages;
}
