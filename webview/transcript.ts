/** The conversation as the panel shows it: turns, the answer streaming in, tool calls, latencies. */
import type { EmbeddingUsage, SpeechUsage, StoredTurn, ToolCallRecord, TurnMetrics, TurnUsage } from '../protocol/session';
import type { Streaming } from './app';
import { h, icon } from './dom';
import { costText, tokens } from './format';

/** Assistant text with fenced code blocks shown as code and `inline code` marked; never parsed as HTML. */
export function richText(text: string): HTMLElement {
  const container = h('div', { class: 'text' });
  const parts = text.split(/```([^\n`]*)\n?([\s\S]*?)(?:```|$)/);
  for (let i = 0; i < parts.length; i += 3) {
    for (const paragraph of parts[i]!.split(/\n{2,}/).filter((p) => p.trim())) {
      const p = h('p');
      paragraph
        .split(/(`[^`\n]+`)/)
        .forEach((piece) => p.append(piece.startsWith('`') && piece.endsWith('`') && piece.length > 2 ? h('code', {}, piece.slice(1, -1)) : piece));
      container.append(p);
    }
    if (i + 2 < parts.length) container.append(h('pre', { 'data-language': parts[i + 1] ?? '' }, h('code', {}, parts[i + 2] ?? '')));
  }
  return container;
}

/** Opens a cited note at its heading. */
export type OpenCitation = (path: string, line: number) => void;

function citationList(call: ToolCallRecord, onCite: OpenCitation): HTMLElement {
  return h(
    'ol',
    { class: 'citations', 'aria-label': 'Cited notes' },
    ...(call.citations ?? []).map((citation) => {
      const link = h('button', { type: 'button', class: 'link', 'data-field': 'citation' }, citation.label);
      link.addEventListener('click', () => onCite(citation.path, citation.line));
      return h('li', {}, link);
    }),
  );
}

function toolChip(call: ToolCallRecord, running: boolean, onCite: OpenCitation): HTMLElement {
  const state = running ? 'running' : call.isError ? 'failed' : 'done';
  const name = call.name.replace(/_/g, ' ');
  const detail = typeof call.input === 'object' && call.input && 'path' in call.input ? String((call.input as { path: unknown }).path) : '';
  const chip = h(
    'details',
    { class: `tool ${state}`, 'data-tool': call.name },
    h('summary', {}, icon(running ? 'loading codicon-modifier-spin' : call.isError ? 'error' : 'tools'), ` ${name}${detail ? ` · ${detail}` : ''}`),
  );
  if (call.citations?.length) chip.append(citationList(call, onCite));
  if (call.result) chip.append(h('pre', {}, call.result));
  return chip;
}

const METRICS: [keyof TurnMetrics, string][] = [
  ['endOfSpeechToFinalMs', 'transcript'],
  ['llmTtftMs', 'first token'],
  ['ttsTtfbMs', 'first audio'],
  ['voiceToVoiceMs', 'voice to voice'],
  ['bargeInStopMs', 'barge-in'],
];

function latency(metrics: TurnMetrics | undefined): HTMLElement | null {
  const parts = METRICS.flatMap(([key, label]) => (metrics?.[key] === undefined ? [] : [`${label} ${Math.round(metrics[key])} ms`]));
  return parts.length ? h('p', { class: 'latency', 'data-field': 'latency' }, icon('dashboard'), ` ${parts.join(' · ')}`) : null;
}

/** What the answer's model calls used and cost, under the answer. */
function usageLine(usage: TurnUsage | undefined): HTMLElement | null {
  if (!usage) return null;
  const cached = usage.cacheReadTokens ? ` (${tokens(usage.cacheReadTokens)} cached)` : '';
  const cost = costText(usage.costUsd);
  return h(
    'p',
    { class: 'latency', 'data-field': 'usage', title: `${usage.provider} · ${usage.model}` },
    icon('credit-card'),
    ` ${tokens(usage.inputTokens)} in${cached} · ${tokens(usage.outputTokens)} out · ${cost}`,
  );
}

/** Seconds of audio as the panel writes them: 4.2 s, 1 min 5 s. */
function audioText(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** What a spoken turn's recognizer was sent, or a spoken answer's voice was given, and its cost. */
function speechLine(field: 'stt' | 'tts', speech: SpeechUsage | undefined): HTMLElement | null {
  if (!speech) return null;
  const what =
    speech.characters === undefined
      ? `${audioText(speech.audioSeconds)} of audio transcribed`
      : `${speech.characters} characters spoken (${audioText(speech.audioSeconds)} of audio)`;
  return h(
    'p',
    { class: 'latency', 'data-field': field, title: `${speech.provider} · ${speech.model}` },
    icon(field === 'stt' ? 'mic' : 'unmute'),
    ` ${what} · ${costText(speech.costUsd)}`,
  );
}

/** The tokens an answer's knowledge-base searches had embedded, and their cost. */
function embeddingsLine(embeddings: EmbeddingUsage | undefined): HTMLElement | null {
  if (!embeddings) return null;
  return h(
    'p',
    { class: 'latency', 'data-field': 'embeddings', title: `${embeddings.provider} · ${embeddings.model}` },
    icon('search'),
    ` ${tokens(embeddings.tokens)} tokens embedded for searches · ${costText(embeddings.costUsd)}`,
  );
}

function turnView(turn: StoredTurn, onCite: OpenCitation): HTMLElement {
  const who = turn.role === 'user' ? 'You' : 'Parley';
  return h(
    'article',
    { class: `turn ${turn.role}${turn.interrupted ? ' interrupted' : ''}`, 'data-turn': String(turn.id), 'aria-label': `${who} said` },
    h(
      'header',
      {},
      h('strong', {}, who),
      turn.source === 'voice' ? h('span', { class: 'meta' }, ' · spoken') : null,
      turn.interrupted ? h('span', { class: 'meta' }, ' · interrupted') : null,
    ),
    ...turn.toolCalls.map((call) => toolChip(call, false, onCite)),
    richText(turn.text),
    latency(turn.metrics),
    usageLine(turn.usage),
    speechLine('stt', turn.stt),
    speechLine('tts', turn.tts),
    embeddingsLine(turn.embeddings),
  );
}

export function transcriptView(turns: readonly StoredTurn[], streaming: Streaming | undefined, onCite: OpenCitation): HTMLElement[] {
  const views = turns.map((turn) => turnView(turn, onCite));
  if (streaming) {
    views.push(
      h(
        'article',
        { class: 'turn assistant streaming', 'aria-busy': 'true', 'data-turn': 'streaming' },
        h('header', {}, h('strong', {}, 'Parley'), h('span', { class: 'meta' }, ' · answering…')),
        ...streaming.toolCalls.map((call) => toolChip(call, call.result === undefined, onCite)),
        richText(streaming.text),
      ),
    );
  }
  return views;
}
