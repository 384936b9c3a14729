/** Renders what the server reports: connection, versions, storage and provider configuration. */
import { Commands } from '../protocol/commands';
import type { ProgramStatus, ServerStatus, StageStatus, StatusReport } from '../protocol/status';
import type { ViewCommand } from '../protocol/webview';
import { h, icon } from './dom';
import type { LiveState } from './live';

export type RunCommand = (command: ViewCommand) => void;

const STAGE_NAMES: Record<string, string> = { llm: 'Language model', stt: 'Speech to text', tts: 'Text to speech', embeddings: 'Embeddings' };

export function connectionBadge(state: LiveState, status: ServerStatus | undefined): HTMLElement {
  switch (state.kind) {
    case 'connected':
      return h(
        'p',
        { class: `badge ${status?.health ?? 'ready'}`, 'data-field': 'connection' },
        icon('pass'),
        ` Connected — ${status?.message ?? 'Parley is ready'}`,
      );
    case 'connecting':
      return h('p', { class: 'badge pending', 'data-field': 'connection' }, icon('loading codicon-modifier-spin'), ' Connecting to the Parley server…');
    case 'reconnecting':
      return h(
        'p',
        { class: 'badge pending', 'data-field': 'connection' },
        icon('loading codicon-modifier-spin'),
        ` Reconnecting to the Parley server (attempt ${state.attempt})…`,
      );
    case 'stopped':
      return h('p', { class: 'badge error', 'data-field': 'connection' }, icon('error'), ` ${state.reason}`);
  }
}

function row(label: string, field: string, value: string): HTMLElement {
  return h('div', { class: 'row' }, h('dt', {}, label), h('dd', { 'data-field': field }, value));
}

export function versionsSection(report: StatusReport): HTMLElement {
  const { versions } = report;
  return h(
    'section',
    { 'aria-label': 'Server' },
    h('h2', {}, 'Server'),
    h(
      'dl',
      {},
      row('Parley', 'parley', versions.parley),
      row('Node', 'node', versions.node),
      row('SQLite', 'sqlite', versions.sqlite),
      row('sqlite-vec', 'sqliteVec', versions.sqliteVec),
      row('Full-text search', 'fts5', versions.fts5 ? 'FTS5 available' : 'FTS5 missing'),
      row('Process', 'pid', String(report.pid)),
      report.live ? row('Live connections', 'liveClients', String(report.live.clients)) : null,
    ),
  );
}

export function storageSection(report: StatusReport): HTMLElement {
  return h(
    'section',
    { 'aria-label': 'Storage' },
    h('h2', {}, 'Storage'),
    h('dl', {}, row('Knowledge base', 'knowledgeDb', report.storage.knowledgeDb), row('Session history', 'sessionsDb', report.storage.sessionsDb)),
    ...report.storage.recovered.map((path) =>
      h('p', { class: 'warning' }, icon('warning'), ` A damaged database was moved to ${path}; a new one was created.`),
    ),
  );
}

function stageItem(stage: StageStatus, run: RunCommand): HTMLElement {
  const what = [stage.provider, stage.model, stage.baseUrl].filter(Boolean).join(' · ');
  const needsKey = !stage.configured && /key/i.test(stage.hint ?? '');
  // pocketsphinx gets free speech wrong: the local neural recognizer is one download away.
  const offersModel = stage.stage === 'stt' && (stage.provider === 'offline' || (stage.provider === 'whisper' && !stage.configured));
  return h(
    'li',
    { class: stage.configured ? 'configured' : 'missing', 'data-stage': stage.stage },
    h('span', { class: 'stage' }, icon(stage.configured ? 'check' : 'circle-slash'), ` ${STAGE_NAMES[stage.stage] ?? stage.stage}`),
    h('span', { class: 'provider' }, what),
    stage.configured ? h('span', { class: 'state' }, 'configured') : h('span', { class: 'state hint' }, `not configured — ${stage.hint ?? ''}`),
    needsKey ? button('key', 'Set API Key', () => run(Commands.setApiKey)) : null,
    offersModel ? button('cloud-download', 'Download Speech Model', () => run(Commands.downloadSpeechModel)) : null,
    stage.note ? h('p', { class: 'hint', 'data-field': 'choiceNote' }, stage.note) : null,
  );
}

export function providersSection(report: StatusReport, run: RunCommand, stages?: readonly string[]): HTMLElement {
  const shown = report.providers.filter((stage) => !stages || stages.includes(stage.stage));
  return h('section', { 'aria-label': 'Providers' }, h('h2', {}, 'Providers'), h('ul', { class: 'providers' }, ...shown.map((stage) => stageItem(stage, run))));
}

function programItem(program: ProgramStatus): HTMLElement {
  return h(
    'li',
    { class: program.path ? 'configured' : 'missing', 'data-program': program.id },
    h('span', { class: 'stage' }, icon(program.path ? 'check' : 'circle-slash'), ` ${program.name}`),
    h('span', { class: 'provider' }, program.usedFor),
    program.path
      ? h('span', { class: 'state' }, program.path)
      : h('span', { class: 'state hint' }, `missing — install: `, h('code', {}, program.install ?? '')),
  );
}

/** The local programs parts of Parley run, so a missing one is seen before anything waits for it. */
export function programsSection(report: StatusReport): HTMLElement {
  return h('section', { 'aria-label': 'Programs' }, h('h2', {}, 'Programs'), h('ul', { class: 'providers' }, ...report.programs.map(programItem)));
}

export function button(iconName: string, label: string, onClick: () => void): HTMLElement {
  const element = h('button', { type: 'button' }, icon(iconName), ` ${label}`);
  element.addEventListener('click', onClick);
  return element;
}

export function actions(run: RunCommand): HTMLElement {
  return h(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Parley actions' },
    button('key', 'Set API Key', () => run(Commands.setApiKey)),
    button('output', 'Show Log', () => run(Commands.showLog)),
    button('debug-restart', 'Restart Server', () => run(Commands.restartServer)),
  );
}
