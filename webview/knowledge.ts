/**
 * Knowledge-base search in the sidebar: a search box that asks as the user types (debounced; a
 * newer query cancels the older one, whose answer is never shown), a keyboard-navigable result
 * list, and on each passage the votes, a correction box, tags and the document's visibility.
 * When parley.knowledgeBase.modelHelp is on, "Ask the model" (Shift+Enter) has the language model
 * rank the passages again, never while typing; what it did and cost is shown under the box.
 */
import { CancellationTokenSource, type CancellationToken, type MessageConnection } from 'vscode-languageserver-protocol';
import type { KbModelHelpReport, KbPassage, KbSearchAnswer, KbSearchFilters, KbStats, KbTeamScope, Visibility } from '../protocol/knowledge';
import { VISIBILITY_LEVELS } from '../protocol/knowledge';
import { KbAddTagRequest, KbCorrectRequest, KbDocumentVisibilityRequest, KbSearchRequest, KbVoteRequest } from '../protocol/lsp';
import { h, icon } from './dom';
import { costText, tokens } from './format';

const DEBOUNCE_MS = 150;
const RESULTS = 20;

export interface KbSearchHost {
  /** The knowledge-base requests, answered by the server (through the extension). */
  rpc: Pick<MessageConnection, 'sendRequest'>;
  openNote(path: string, line: number, teamDocument?: number): void;
}

export class KnowledgeSearch {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly scope: HTMLSelectElement;
  /** Whose notes: shown once the server says a team hub is set. */
  private readonly team: HTMLSelectElement;
  private readonly teamLine: HTMLElement;
  private readonly tag: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly message: HTMLElement;
  private readonly ask: HTMLButtonElement;
  private readonly modelLine: HTMLElement;
  private passages: KbPassage[] = [];
  /** The setting as the server's last answer gave it: whether to offer "Ask the model". */
  private modelHelp: KbSearchAnswer['modelHelp'] = 'off';
  /** The model is being asked (Escape stops it). */
  private asking = false;
  private active = -1;
  /** The search in progress; a newer one cancels it. */
  private searching: CancellationTokenSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: KbSearchHost) {
    this.input = h('input', {
      type: 'search',
      placeholder: 'Search your notes',
      'aria-label': 'Search the knowledge base',
      'data-field': 'kbQuery',
      'aria-controls': 'kb-results',
    }) as HTMLInputElement;
    this.scope = h(
      'select',
      { 'aria-label': 'Which notes to search', 'data-field': 'kbScope' },
      h('option', { value: '' }, 'All notes'),
      h('option', { value: 'shared,public' }, 'Shared and public'),
      h('option', { value: 'public' }, 'Public only'),
      h('option', { value: 'private' }, 'Private only'),
    ) as HTMLSelectElement;
    this.team = h(
      'select',
      { 'aria-label': 'Whose notes to search', 'data-field': 'kbTeam', hidden: '' },
      h('option', { value: 'mine' }, 'Mine'),
      h('option', { value: 'team' }, 'Team'),
      h('option', { value: 'both' }, 'Both'),
    ) as HTMLSelectElement;
    this.teamLine = h('p', { class: 'kb-message', role: 'status', 'data-field': 'kbTeamState' });
    this.tag = h('input', {
      type: 'text',
      placeholder: '#tag',
      'aria-label': 'Only notes with this tag',
      class: 'tag-filter',
      'data-field': 'kbTag',
    }) as HTMLInputElement;
    this.list = h('ul', { id: 'kb-results', role: 'listbox', 'aria-label': 'Matching passages', class: 'kb-results', 'data-field': 'kbResults' });
    this.message = h('p', { class: 'kb-message', role: 'status', 'data-field': 'kbMessage' });
    this.ask = h(
      'button',
      { type: 'button', class: 'kb-ask', hidden: '', title: 'Have the language model rank these passages (Shift+Enter)', 'data-field': 'kbAskModel' },
      icon('sparkle'),
      ' Ask the model',
    ) as HTMLButtonElement;
    this.ask.addEventListener('click', () => this.askModel());
    this.modelLine = h('p', { class: 'kb-message kb-model', 'aria-live': 'polite', 'data-field': 'kbModel' });
    this.element = h(
      'section',
      { 'aria-label': 'Search', class: 'kb-search' },
      this.input,
      h('div', { class: 'kb-filters' }, this.team, this.scope, this.tag),
      h('div', { class: 'kb-status' }, this.message, this.ask),
      this.teamLine,
      this.modelLine,
      this.list,
    );
    this.input.addEventListener('input', () => this.schedule());
    this.scope.addEventListener('change', () => this.schedule(0));
    this.team.addEventListener('change', () => this.schedule(0));
    this.tag.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (event) => this.onKey(event));
    this.list.addEventListener('keydown', (event) => this.onKey(event));
  }

  focus(): void {
    this.input.focus();
  }

  /** A server's answer goes to `onResult`, a failure is shown — unless `token` was cancelled meanwhile. */
  private answered<R>(answer: Promise<R>, onResult: (result: R) => void, token?: CancellationToken): void {
    const current = () => !token?.isCancellationRequested;
    answer.then(
      (result) => current() && onResult(result),
      (error: unknown) => current() && this.showMessage(error instanceof Error ? error.message : String(error), 'error'),
    );
  }

  private schedule(delayMs = DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.search(), delayMs);
  }

  private filters(): KbSearchFilters {
    const visibility = this.scope.value ? (this.scope.value.split(',') as Visibility[]) : undefined;
    const tag = this.tag.value.trim().replace(/^#/, '');
    return { ...(visibility ? { visibility } : {}), ...(tag ? { tag } : {}) };
  }

  /** A new search; typing on makes the older one (or the model's ranking) stale: it is cancelled, and only the newest one's results are shown. */
  private restart(): CancellationToken {
    this.searching?.cancel();
    this.asking = false;
    this.modelLine.textContent = '';
    return (this.searching = new CancellationTokenSource()).token;
  }

  private search(): void {
    const query = this.input.value.trim();
    const token = this.restart();
    if (!query) {
      this.show([]);
      this.showMessage('');
      this.offerModel();
      return;
    }
    const answer = this.host.rpc.sendRequest(
      KbSearchRequest.type,
      { query, k: RESULTS, filters: this.filters(), prefix: true, team: this.team.value as KbTeamScope },
      token,
    );
    this.answered(
      answer,
      ({ passages, tookMs, modelHelp, team }) => {
        this.modelHelp = modelHelp;
        this.showTeam(team);
        this.show(passages);
        this.showMessage(passages.length ? `${passages.length} passages in ${Math.round(tookMs)} ms` : `Nothing matches “${query}”.`);
        this.offerModel();
      },
      token,
    );
  }

  /** "Ask the model" is offered for a question when the setting is on. */
  private offerModel(): void {
    this.ask.hidden = this.modelHelp === 'off' || !this.input.value.trim() || this.asking;
  }

  private askModel(): void {
    const query = this.input.value.trim();
    if (!query || this.modelHelp === 'off') return;
    clearTimeout(this.timer);
    const token = this.restart();
    this.asking = true;
    this.offerModel();
    this.modelLine.className = 'kb-message kb-model';
    this.modelLine.replaceChildren(icon('loading codicon-modifier-spin'), ' Asking the model… (Escape stops)');
    const answer = this.host.rpc.sendRequest(KbSearchRequest.type, { query, k: RESULTS, filters: this.filters(), askModel: true }, token);
    const finished = () => {
      this.asking = false;
      this.offerModel();
    };
    answer.then(finished, finished);
    this.answered(
      answer,
      ({ passages, model }) => {
        this.show(passages, model?.ranked ?? 0);
        this.showMessage(passages.length ? `${passages.length} passages` : `Nothing matches “${query}”, even in other words.`);
        if (model) this.showModel(model);
      },
      token,
    );
    // A failure (the setting was turned off, no model configured) replaces the "Asking" line.
    answer.catch(() => !token.isCancellationRequested && (this.modelLine.textContent = ''));
  }

  private showModel(report: KbModelHelpReport): void {
    const parts = [
      report.model ? `Ranked by ${report.model}: ${report.ranked} of ${report.read} passages help` : 'The model did not answer',
      `${(report.durationMs / 1000).toFixed(1)} s`,
      // A local server may keep its usage to itself.
      report.inputTokens + report.outputTokens > 0 ? `${tokens(report.inputTokens)} in · ${tokens(report.outputTokens)} out` : 'usage not reported',
      costText(report.costUsd),
    ];
    const searched = report.queries.length ? h('div', {}, `Also searched: ${report.queries.map((q) => `“${q}”`).join(', ')}`) : null;
    const problem = report.problem ? h('div', { class: 'error', 'data-field': 'kbModelProblem' }, `The model fell short: ${report.problem}.`) : null;
    this.modelLine.className = 'kb-message kb-model';
    this.modelLine.replaceChildren(...[h('div', {}, icon('sparkle'), ` ${parts.join(' · ')}`), searched, problem].filter((part) => part !== null));
  }

  /** The Mine/Team/Both choice appears once a hub is set; a hub that cannot be reached is said, under local results. */
  private showTeam(team: KbSearchAnswer['team']): void {
    this.team.hidden = team === undefined;
    if (team?.state === 'unavailable') {
      this.teamLine.textContent = `The team part is unavailable: ${team.reason}.${this.team.value === 'team' ? '' : ' Your own notes are searched.'}`;
      this.teamLine.className = 'kb-message warning';
    } else {
      this.teamLine.textContent = team?.state === 'searched' ? `${team.passages} from the team hub` : '';
      this.teamLine.className = 'kb-message';
    }
  }

  private showMessage(text: string, level: 'info' | 'error' = 'info'): void {
    this.message.textContent = text;
    this.message.className = `kb-message ${level}`;
  }

  /** The passages, the first `picked` of them marked as the ones the model said help. */
  private show(passages: KbPassage[], picked = 0): void {
    this.passages = passages;
    this.active = passages.length ? 0 : -1;
    this.list.replaceChildren(...passages.map((passage, index) => this.item(passage, index, index < picked)));
    this.markActive();
  }

  private item(passage: KbPassage, index: number, picked: boolean): HTMLElement {
    const where = passage.headingPath.slice(1).join(' › ');
    const item = h(
      'li',
      { role: 'option', id: `kb-result-${index}`, class: 'kb-result', tabindex: '-1', 'data-chunk': String(passage.chunkId), 'aria-selected': 'false' },
      h('div', { class: 'kb-title' }, h('span', { class: 'title' }, passage.title), where ? h('span', { class: 'heading' }, ` › ${where}`) : null),
      h('div', { class: 'kb-path' }, passage.relPath),
      highlighted(passage.snippet, passage.highlights),
      passage.correction
        ? h(
            'div',
            { class: 'kb-correction', 'data-field': 'kbCorrection' },
            icon('edit'),
            ` Correction (v${passage.correction.version}): ${passage.correction.text}`,
          )
        : null,
      h(
        'div',
        { class: 'kb-meta' },
        picked ? h('span', { class: 'badge ready', title: 'The model said this passage helps', 'data-field': 'kbModelPick' }, icon('sparkle'), ' helps') : null,
        passage.team
          ? h(
              'span',
              { class: 'badge team', title: 'From the team hub', 'data-field': 'kbContributor' },
              icon('organization'),
              ` ${passage.team.mine ? 'yours' : (passage.team.contributor ?? 'anonymous')}`,
            )
          : h('span', { class: `badge visibility ${passage.visibility}`, title: 'Visibility of this note' }, passage.visibility),
        passage.team
          ? h('span', { class: 'quality', title: 'Quality from the team’s votes', 'data-field': 'kbQuality' }, `quality ${passage.quality.toFixed(2)}`)
          : null,
        ...passage.tags.slice(0, 6).map((tag) => h('span', { class: 'tag' }, `#${tag}`)),
        h('span', { class: 'score', title: 'Relevance score (higher is better)' }, passage.score.toFixed(3)),
      ),
      this.toolbar(passage),
    );
    item.addEventListener('click', (event) => {
      if ((event.target as HTMLElement).closest('button, select, input, textarea')) return;
      this.active = index;
      this.markActive();
      this.open(passage);
    });
    return item;
  }

  private toolbar(passage: KbPassage): HTMLElement {
    const votes = h('span', { class: 'votes', 'data-field': 'kbVotes' }, `${passage.votes.up}↑ ${passage.votes.down}↓`);
    const team = passage.team ? { team: true } : {};
    const vote = (value: 1 | -1) =>
      this.answered(
        this.host.rpc.sendRequest(KbVoteRequest.type, { chunkId: passage.chunkId, vote: value, ...team }),
        ({ up, down }) => (votes.textContent = `${up}↑ ${down}↓`),
      );
    const visibility = h(
      'select',
      { 'aria-label': `Visibility of ${passage.title}`, 'data-field': 'kbVisibility' },
      ...VISIBILITY_LEVELS.map((level) => option(level, level === passage.visibility)),
    ) as HTMLSelectElement;
    visibility.addEventListener('change', () =>
      this.answered(
        this.host.rpc.sendRequest(KbDocumentVisibilityRequest.type, { documentId: passage.documentId, visibility: visibility.value as Visibility }),
        () => this.schedule(0),
      ),
    );
    // A team passage's note is someone's on the hub: votes and corrections only, which go to the hub.
    const bar = h(
      'div',
      { class: 'kb-actions', role: 'toolbar', 'aria-label': 'Passage actions' },
      iconButton('thumbsup', 'Helpful', () => vote(1)),
      iconButton('thumbsdown', 'Not helpful', () => vote(-1)),
      votes,
      iconButton('edit', 'Correct this passage', () => this.correctionBox(passage, bar)),
      passage.team ? null : iconButton('tag', 'Add a tag to this note', () => this.tagBox(passage, bar)),
      passage.team ? null : visibility,
    );
    return bar;
  }

  private correctionBox(passage: KbPassage, bar: HTMLElement): void {
    const text = h(
      'textarea',
      { 'aria-label': 'Correction', rows: '3', 'data-field': 'kbCorrectionText' },
      passage.correction?.text ?? '',
    ) as HTMLTextAreaElement;
    const save = iconButton('check', 'Save correction', () =>
      this.answered(
        this.host.rpc.sendRequest(KbCorrectRequest.type, { chunkId: passage.chunkId, text: text.value, ...(passage.team ? { team: true } : {}) }),
        (correction) => {
          box.replaceWith(
            h('div', { class: 'kb-correction', 'data-field': 'kbCorrection' }, icon('edit'), ` Correction (v${correction.version}): ${correction.text}`),
          );
        },
      ),
    );
    const box = h('div', { class: 'kb-correction-box' }, text, save);
    bar.after(box);
    text.focus();
  }

  private tagBox(passage: KbPassage, bar: HTMLElement): void {
    const input = h('input', { type: 'text', 'aria-label': 'New tag', placeholder: 'tag or nested/tag', 'data-field': 'kbNewTag' }) as HTMLInputElement;
    const box = h('div', { class: 'kb-tag-box' }, input);
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      this.answered(this.host.rpc.sendRequest(KbAddTagRequest.type, { documentId: passage.documentId, tag: input.value }), ({ tags }) => {
        box.replaceWith(h('div', { class: 'kb-meta' }, ...tags.map((tag) => h('span', { class: 'tag' }, `#${tag}`))));
      });
    });
    bar.after(box);
    input.focus();
  }

  private onKey(event: KeyboardEvent): void {
    if ((event.target as HTMLElement).closest('.kb-actions, .kb-correction-box, .kb-tag-box')) return;
    if (event.key === 'Enter' && event.shiftKey && event.currentTarget === this.input) {
      event.preventDefault();
      this.askModel();
    } else if (event.key === 'Escape' && this.asking) {
      event.preventDefault();
      this.restart();
      this.offerModel();
      this.modelLine.textContent = 'Stopped asking the model.';
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (this.passages.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + step + this.passages.length) % this.passages.length;
      this.markActive();
      if (event.currentTarget === this.list) this.list.querySelector<HTMLElement>(`#kb-result-${this.active}`)?.focus();
    } else if (event.key === 'Enter' && this.active >= 0) {
      event.preventDefault();
      this.open(this.passages[this.active]!);
    } else if (event.key === 'Escape') {
      this.input.value = '';
      this.schedule(0);
    }
  }

  private markActive(): void {
    this.list.querySelectorAll('[role="option"]').forEach((element, index) => element.setAttribute('aria-selected', String(index === this.active)));
    this.input.setAttribute('aria-activedescendant', this.active >= 0 ? `kb-result-${this.active}` : '');
    this.list.querySelector(`#kb-result-${this.active}`)?.scrollIntoView({ block: 'nearest' });
  }

  private open(passage: KbPassage): void {
    // A team note lives on the hub: it opens read-only, by its id and its path there.
    if (passage.team) this.host.openNote(passage.relPath, passage.line, passage.documentId);
    else this.host.openNote(passage.path, passage.line);
  }
}

function option(value: string, selected: boolean): HTMLElement {
  const element = h('option', { value }, value);
  if (selected) element.setAttribute('selected', '');
  return element;
}

function iconButton(name: string, label: string, onClick: () => void): HTMLElement {
  const element = h('button', { type: 'button', class: 'icon', title: label, 'aria-label': label }, icon(name));
  element.addEventListener('click', onClick);
  return element;
}

/** The snippet with its matched words in <mark>, built as text nodes (never parsed as HTML). */
function highlighted(snippet: string, ranges: [number, number][]): HTMLElement {
  const parts: (Node | string)[] = [];
  let at = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    parts.push(snippet.slice(at, start), h('mark', {}, snippet.slice(start, end)));
    at = end;
  }
  parts.push(snippet.slice(at));
  return h('p', { class: 'kb-snippet' }, ...parts);
}

/** The index figures under the search: documents, passages, embedder, last sync. */
export function indexStatus(stats: KbStats | undefined, databaseFile: string | undefined): HTMLElement {
  const rows: [string, string, string][] = stats
    ? [
        ['Documents', 'kbDocuments', String(stats.documents)],
        ['Passages', 'kbChunks', `${stats.chunks} (${stats.embedded} with vectors)`],
        ['Embedder', 'kbEmbedder', stats.embedder],
        ['Last sync', 'kbLastSync', stats.lastSyncAt ? new Date(stats.lastSyncAt).toLocaleString() : 'never'],
      ]
    : [];
  return h(
    'section',
    { 'aria-label': 'Index' },
    h('h2', {}, 'Index'),
    stats?.busy ? h('p', { class: 'badge pending', 'data-field': 'kbBusy' }, icon('loading codicon-modifier-spin'), ` ${stats.busy}…`) : null,
    stats && stats.documents === 0
      ? h('p', { class: 'hint', 'data-field': 'kbEmpty' }, 'No notes yet. Add a folder (an Obsidian vault or Markdown docs), a file, or a selection.')
      : null,
    h(
      'dl',
      {},
      ...rows.map(([label, field, value]) => h('div', { class: 'row' }, h('dt', {}, label), h('dd', { 'data-field': field }, value))),
      databaseFile ? h('div', { class: 'row' }, h('dt', {}, 'Database'), h('dd', { 'data-field': 'knowledgeDb' }, databaseFile)) : null,
    ),
  );
}
