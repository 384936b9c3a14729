/**
 * One Claude Code session as Parley analysed it: the figures first, then charts (tokens over
 * time, tool calls by tool, errors over the session) drawn by Chart.js in the theme's chart
 * colors, then the tables behind them. Each chart has a text summary for screen readers.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import type { ClaudeSessionAnalysis, TimelineBucket } from '../protocol/logs';
import { h } from './dom';
import { connectHost } from './vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

const app = document.getElementById('app')!;
const host = connectHost<{ analysis?: ClaudeSessionAnalysis }>();
const charts: Chart[] = [];

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function palette() {
  return {
    foreground: themeColor('--vscode-foreground', '#cccccc'),
    grid: themeColor('--vscode-widget-border', themeColor('--vscode-panel-border', 'rgba(128,128,128,0.3)')),
    blue: themeColor('--vscode-charts-blue', '#3794ff'),
    green: themeColor('--vscode-charts-green', '#89d185'),
    orange: themeColor('--vscode-charts-orange', '#d18616'),
    purple: themeColor('--vscode-charts-purple', '#b180d7'),
    red: themeColor('--vscode-charts-red', '#f14c4c'),
  };
}

/** Marks a chart's canvas once it has drawn, for the end-to-end test and for anyone inspecting the view. */
const drawn: Plugin = {
  id: 'parleyDrawn',
  afterRender: (chart) => {
    chart.canvas.dataset.rendered = 'true';
  },
};
Chart.register(drawn);

function clock(iso: string, bucketMs: number): string {
  const date = new Date(iso);
  return bucketMs >= 86_400_000 ? date.toLocaleDateString() : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function chartBox(id: string, title: string, summary: string, config: ChartConfiguration): HTMLElement {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}: ${summary}` }) as HTMLCanvasElement;
  const box = h(
    'figure',
    { class: 'cc-chart', id },
    h('figcaption', {}, title),
    h('div', { class: 'cc-canvas' }, canvas),
    h('p', { class: 'cc-summary' }, summary),
  );
  queueMicrotask(() => charts.push(new Chart(canvas, config)));
  return box;
}

function baseOptions(colors: ReturnType<typeof palette>, stacked = false) {
  const axis = { ticks: { color: colors.foreground }, grid: { color: colors.grid }, stacked };
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { labels: { color: colors.foreground } } },
    scales: { x: axis, y: { ...axis, beginAtZero: true } },
  };
}

function tokensChart(analysis: ClaudeSessionAnalysis, colors: ReturnType<typeof palette>): HTMLElement {
  const labels = analysis.timeline.map((bucket) => clock(bucket.start, analysis.bucketMs));
  const series = (label: string, field: keyof Omit<TimelineBucket, 'start'>, color: string) => ({
    label,
    data: analysis.timeline.map((bucket) => bucket[field]),
    borderColor: color,
    backgroundColor: color,
    pointRadius: 0,
    tension: 0.2,
  });
  const { usage } = analysis;
  const summary = `${usage.input_tokens} input, ${usage.output_tokens} output, ${usage.cache_read_input_tokens} cache-read and ${usage.cache_creation_input_tokens} cache-write tokens over ${analysis.timeline.length} intervals of ${Math.round(analysis.bucketMs / 60_000)} min`;
  return chartBox('cc-tokens', 'Tokens over time', summary, {
    type: 'line',
    data: {
      labels,
      datasets: [
        series('input', 'inputTokens', colors.blue),
        series('output', 'outputTokens', colors.green),
        series('cache read', 'cacheReadTokens', colors.purple),
        series('cache write', 'cacheCreationTokens', colors.orange),
      ],
    },
    options: baseOptions(colors),
  });
}

function toolsChart(analysis: ClaudeSessionAnalysis, colors: ReturnType<typeof palette>): HTMLElement {
  const tools = Object.entries(analysis.tools).sort(([, a], [, b]) => b.calls - a.calls);
  const summary =
    tools.map(([name, stats]) => `${name} ${stats.calls} call${stats.calls === 1 ? '' : 's'}${stats.errors ? `, ${stats.errors} failed` : ''}`).join('; ') ||
    'no tool calls';
  return chartBox('cc-tools', 'Tool calls by tool', summary, {
    type: 'bar',
    data: {
      labels: tools.map(([name]) => name),
      datasets: [
        { label: 'succeeded', data: tools.map(([, stats]) => Math.max(0, stats.calls - stats.errors)), backgroundColor: colors.blue },
        { label: 'failed', data: tools.map(([, stats]) => stats.errors), backgroundColor: colors.red },
      ],
    },
    options: { ...baseOptions(colors, true), indexAxis: 'y' },
  });
}

function errorsChart(analysis: ClaudeSessionAnalysis, colors: ReturnType<typeof palette>): HTMLElement {
  const summary = `${analysis.errorCount} errors${analysis.repeatedFailures.length ? `; ${analysis.repeatedFailures.length} calls failed more than once` : ''}`;
  return chartBox('cc-errors', 'Errors over the session', summary, {
    type: 'bar',
    data: {
      labels: analysis.timeline.map((bucket) => clock(bucket.start, analysis.bucketMs)),
      datasets: [
        { label: 'errors', data: analysis.timeline.map((bucket) => bucket.errors), backgroundColor: colors.red },
        { label: 'tool calls', data: analysis.timeline.map((bucket) => bucket.toolCalls), backgroundColor: colors.blue },
      ],
    },
    options: baseOptions(colors),
  });
}

function table(caption: string, head: string[], rows: (string | number)[][]): HTMLElement | null {
  if (rows.length === 0) return null;
  return h(
    'table',
    { class: 'cc-table' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((cell) => h('th', { scope: 'col' }, cell)))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, String(cell)))))),
  );
}

function minutes(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function usd(value: number | undefined): string {
  return value === undefined ? 'no price' : `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

function figures(analysis: ClaudeSessionAnalysis): HTMLElement {
  const { session } = analysis;
  const figure = (label: string, value: string) =>
    h('div', { class: 'cc-figure' }, h('span', { class: 'cc-value' }, value), h('span', { class: 'cc-label' }, label));
  const cost = usd(analysis.costUsd) + (analysis.unpricedModels.length ? ` (+ ${analysis.unpricedModels.join(', ')}: no price)` : '');
  return h(
    'section',
    { class: 'cc-figures', 'aria-label': 'Session figures' },
    figure('duration', minutes(session.durationMs)),
    figure('prompts', String(analysis.prompts)),
    figure('messages', String(analysis.messages)),
    figure('tool calls', String(Object.values(analysis.tools).reduce((sum, tool) => sum + tool.calls, 0))),
    figure('errors', String(analysis.errorCount)),
    figure('cost', cost),
  );
}

function render(analysis: ClaudeSessionAnalysis): void {
  for (const chart of charts.splice(0)) chart.destroy();
  const colors = palette();
  const { session } = analysis;
  const header = h(
    'header',
    {},
    h('h1', {}, session.firstPrompt ?? session.id),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'primary', 'data-action': 'discuss', title: 'Start a Log Analysis session with this analysis as its context' },
        'Talk it through',
      ),
    ),
    h(
      'p',
      { class: 'cc-meta' },
      [
        session.cwd,
        session.gitBranch && `branch ${session.gitBranch}`,
        session.startedAt && new Date(session.startedAt).toLocaleString(),
        session.version && `Claude Code ${session.version}`,
      ]
        .filter(Boolean)
        .join(' · '),
    ),
    analysis.skippedLines > 0
      ? h(
          'p',
          { class: 'cc-warning', role: 'status' },
          `${analysis.skippedLines} lines were not records and were skipped${analysis.truncatedTail ? '; the last was cut off (the session may still be being written)' : ''}.`,
        )
      : null,
  );
  const sections = [
    header,
    figures(analysis),
    h('div', { class: 'cc-charts' }, tokensChart(analysis, colors), toolsChart(analysis, colors), errorsChart(analysis, colors)),
    table(
      'Tokens and cost by model',
      ['model', 'responses', 'input', 'output', 'cache read', 'cache write', 'cost'],
      analysis.models.map((model) => [
        model.model,
        model.messages,
        model.usage.input_tokens,
        model.usage.output_tokens,
        model.usage.cache_read_input_tokens,
        model.usage.cache_creation_input_tokens,
        usd(model.costUsd),
      ]),
    ),
    table(
      'Calls that kept failing',
      ['tool', 'failures', 'input', 'first', 'last'],
      analysis.repeatedFailures.map((entry) => [entry.tool, entry.failures, entry.input, entry.firstAt ?? '', entry.lastAt ?? '']),
    ),
    table(
      'Errors',
      ['when', 'kind', 'tool', 'message'],
      analysis.errors.slice(0, 50).map((error) => [error.at ?? `line ${error.line}`, error.kind, error.tool ?? '', error.message]),
    ),
    table(
      'Longest gaps between prompts',
      ['after', 'gap', 'prompt'],
      analysis.promptGaps.longest.map((gap) => [new Date(gap.from).toLocaleTimeString(), minutes(gap.ms), gap.prompt]),
    ),
    table(
      'Files touched',
      ['file', 'reads', 'edits'],
      analysis.files.slice(0, 50).map((file) => [file.path, file.reads, file.edits]),
    ),
    table(
      'Sub-agents',
      ['file', 'records', 'messages', 'input', 'output'],
      analysis.subagents.map((agent) => [agent.file, agent.records, agent.messages, agent.usage.input_tokens, agent.usage.output_tokens]),
    ),
  ];
  app.replaceChildren(...sections.filter((section) => section !== null));
  app.querySelector('[data-action="discuss"]')?.addEventListener('click', () => host.postMessage({ type: 'discussTranscript' }));
}

host.onMessage((message) => {
  if (message.type !== 'claudeSessionAnalysis') return;
  host.setState({ analysis: message.analysis });
  render(message.analysis);
});
const saved = host.getState()?.analysis;
if (saved) render(saved);
else app.replaceChildren(h('p', {}, 'Reading the analysis…'));
host.postMessage({ type: 'ready' });
