/** A session as Markdown, for Parley: Export Session, or as the JSON an import reads back. */
import type { SessionExportFormat, StoredTurn, TurnMetrics } from '../../protocol/session';
import { tableMarkdown } from '../hands/table';
import type { Execution, SessionStore } from './store';

/** Characters of one table in the export; rows past it are counted, not written. */
const EXPORT_TABLE_CHARS = 64 * 1024;

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

function costOf(costUsd: number | undefined): string {
  return costUsd === undefined ? 'no price' : `$${costUsd.toFixed(4)}`;
}

function usageLines({ usage, stt, tts, embeddings }: StoredTurn): string[] {
  return [
    usage && `${usage.model}: ${usage.inputTokens} tokens in, ${usage.outputTokens} out · ${costOf(usage.costUsd)}`,
    stt && `${stt.provider} ${stt.model}: ${stt.audioSeconds.toFixed(1)} s of audio transcribed · ${costOf(stt.costUsd)}`,
    tts && `${tts.provider} ${tts.model}: ${tts.characters ?? 0} characters spoken, ${tts.audioSeconds.toFixed(1)} s of audio · ${costOf(tts.costUsd)}`,
    embeddings && `${embeddings.model}: ${embeddings.tokens} tokens embedded · ${costOf(embeddings.costUsd)}`,
  ].flatMap((line) => (line ? [`<sub>${line}</sub>`] : []));
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function turnMarkdown(turn: StoredTurn): string {
  const who = turn.role === 'user' ? 'You' : 'Parley';
  const heading = `### ${who} · ${time(turn.createdAt)}${turn.source === 'voice' ? ' · spoken' : ''}${turn.interrupted ? ' · interrupted' : ''}`;
  const tools = turn.toolCalls.map((call) => `- \`${call.name}\` ${JSON.stringify(call.input)}${call.isError ? ' (failed)' : ''}`);
  return [
    heading,
    '',
    turn.text.trim() || '_(nothing said)_',
    ...(tools.length > 0 ? ['', '**Tools**', ...tools] : []),
    ...[metricsLine(turn.metrics), ...usageLines(turn)].filter((line): line is string => !!line).flatMap((line) => ['', line]),
  ].join('\n');
}

/** A fence longer than any run of backticks in `text`, so code and output cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  return '`'.repeat(longest + 1);
}

function executionMarkdown(execution: Execution): string {
  const who = execution.source === 'user' ? 'You ran' : 'Parley ran';
  const heading = `### ${who} a ${execution.language} cell · ${time(execution.createdAt)} · ${execution.outcome} · ${execution.ms} ms`;
  const code = `${fence(execution.code)}${execution.language === 'node' ? 'js' : 'python'}\n${execution.code}\n${fence(execution.code)}`;
  const output = execution.output.trim() ? ['', `${fence(execution.output)}text\n${execution.output.trimEnd()}\n${fence(execution.output)}`] : [];
  const images = execution.images.map((png, index) => `![Figure ${index + 1}](data:image/png;base64,${png})`);
  // Escaped in full, so no cell of a table becomes a link or markup where the export is rendered.
  const tables = execution.tables.flatMap((table) => ['', tableMarkdown(table, { maxChars: EXPORT_TABLE_CHARS, escape: 'markdown' })]);
  return [heading, '', code, ...output, ...tables, ...(images.length > 0 ? ['', ...images] : [])].join('\n');
}

export function sessionMarkdown(startedAt: number, turns: readonly StoredTurn[], executions: readonly Execution[] = []): string {
  const title = `# Parley session · ${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const repl = executions.length > 0 ? ['## REPL', ...executions.map(executionMarkdown)] : [];
  return [title, ...turns.map(turnMarkdown), ...repl].join('\n\n') + '\n';
}

/** A stored session in `format`, or undefined when there is no such session. */
export function exportedSession(
  store: SessionStore,
  id: string,
  format: SessionExportFormat,
): { content: string; turns: number; startedAt: number } | undefined {
  const info = store.info(id);
  if (!info) return undefined;
  const content =
    format === 'json' ? JSON.stringify(store.exportSession(id), null, 2) : sessionMarkdown(info.startedAt, store.turns(id), store.executions(id)).trimEnd();
  return { content, turns: info.turns, startedAt: info.startedAt };
}
