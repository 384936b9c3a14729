/** A session as Markdown, for Parley: Export Session. */
import type { StoredTurn, TurnMetrics } from '../../protocol/session';

const METRIC_LABELS: [keyof TurnMetrics, string][] = [
  ['endOfSpeechToFinalMs', 'transcript'],
  ['llmTtftMs', 'first token'],
  ['ttsTtfbMs', 'first audio'],
  ['voiceToVoiceMs', 'voice to voice'],
  ['bargeInStopMs', 'barge-in stop'],
];

function metricsLine(metrics: TurnMetrics | undefined): string | undefined {
  const parts = METRIC_LABELS.flatMap(([key, label]) => (metrics?.[key] === undefined ? [] : [`${label} ${Math.round(metrics[key])} ms`]));
  return parts.length > 0 ? `<sub>${parts.join(' · ')}</sub>` : undefined;
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function turnMarkdown(turn: StoredTurn): string {
  const who = turn.role === 'user' ? 'You' : 'Parley';
  const heading = `### ${who} · ${time(turn.createdAt)}${turn.source === 'voice' ? ' · spoken' : ''}${turn.interrupted ? ' · interrupted' : ''}`;
  const tools = turn.toolCalls.map((call) => `- \`${call.name}\` ${JSON.stringify(call.input)}${call.isError ? ' (failed)' : ''}`);
  return [heading, '', turn.text.trim() || '_(nothing said)_', ...(tools.length > 0 ? ['', '**Tools**', ...tools] : []), ...[metricsLine(turn.metrics)].filter((line): line is string => !!line).flatMap((line) => ['', line])].join('\n');
}

export function sessionMarkdown(startedAt: number, turns: readonly StoredTurn[]): string {
  const title = `# Parley session · ${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return [title, ...turns.map(turnMarkdown)].join('\n\n') + '\n';
}
