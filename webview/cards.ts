/**
 * Approval cards: what the assistant asks to run, the exact line, its folder and why, with Run /
 * Deny (Enter / Escape on the focused card) and "always allow"; once it runs, its output as it
 * comes, a Stop button (Escape), and how it ended. Cards are kept as elements and updated in place,
 * so output streaming in never re-renders the conversation. Output is set as text, coloured with
 * spans for its SGR codes; nothing from a command is ever parsed as HTML.
 */
import type { CellTable } from '../protocol/cellTable';
import type { CellLanguage, ClientFrame, ServerFrame } from '../protocol/live';
import type { RanAs } from '../protocol/serverFrames';
import { h, icon } from './dom';
import { sgrSegments, type SgrStyle } from './sgr';

type CardFrame = Extract<ServerFrame, { type: 'approval' | 'approvalState' | 'runOutput' | 'runImage' | 'runTable' | 'runEnd' }>;
type Approval = Extract<ServerFrame, { type: 'approval' }>;
type RunEnd = Extract<ServerFrame, { type: 'runEnd' }>;

/** Cards the panel keeps; older ones that have ended leave the page. */
export const MAX_CARDS = 6;
/** Characters of output a card keeps; older output is dropped from the page, the tail stays. */
export const CARD_OUTPUT_CHARS = 200_000;

const OUTCOMES: Record<RunEnd['outcome'], string> = { ok: 'Succeeded', error: 'Failed', timeout: 'Timed out', memory: 'Ran out of memory', killed: 'Stopped' };

export function isCardFrame(frame: ServerFrame): frame is CardFrame {
  return (
    frame.type === 'approval' ||
    frame.type === 'approvalState' ||
    frame.type === 'runOutput' ||
    frame.type === 'runImage' ||
    frame.type === 'runTable' ||
    frame.type === 'runEnd'
  );
}

const CELL_RUNS_IN = "Runs in the session's REPL, where variables persist between cells, with time and memory limits.";

/**
 * Where a command runs, in words, since the user may look for it in a terminal: before it starts
 * (undefined) both ways are possible, since the terminal's shell integration decides.
 */
export function ranAsText(ranAs?: RanAs): string {
  if (ranAs?.via === 'terminal') return 'Runs in the terminal named "Parley" (shell integration), with time and memory limits.';
  if (ranAs?.via === 'child')
    return `Runs as a child process of Parley${ranAs.why ? ` (${ranAs.why})` : ''}, without a shell, with time and memory limits; its output also shows in the terminal named "Parley output".`;
  return 'Runs with time and memory limits, in the terminal named "Parley" where it can.';
}

function cardTitle(approval: Approval, what: string): string {
  if (!approval.preapproved) return `Parley asks to run ${what}`;
  return approval.kind === 'cell' ? `Your ${what.slice(2)}` : `Running ${what} you always allow`;
}

/** One card, updated in place. */
class Card {
  readonly element: HTMLElement;
  /** `decided`: the user answered and the server has not said what became of it yet. */
  #state: 'asking' | 'decided' | 'running' | 'ended' = 'asking';
  #style: SgrStyle = {};
  #chars = 0;
  readonly #always = h('input', { type: 'checkbox', 'data-field': 'always' }) as HTMLInputElement;
  readonly #actions: HTMLElement;
  readonly #status = h('p', { class: 'card-status', 'data-field': 'status', 'aria-live': 'polite' });
  readonly #runsAs: HTMLElement;
  readonly #output = h('pre', { class: 'card-output', 'data-field': 'output', hidden: '' });
  readonly #figures = h('div', { class: 'card-figures', 'data-field': 'figures' });
  readonly #stop = h(
    'button',
    { type: 'button', 'data-action': 'stop', title: 'Stop the command (Escape)', hidden: '' },
    icon('debug-stop'),
    ' Stop',
  ) as HTMLButtonElement;

  constructor(
    readonly approval: Approval,
    private readonly send: (frame: ClientFrame) => void,
  ) {
    const run = h('button', { type: 'button', class: 'primary', 'data-action': 'run', title: 'Run it (Enter)' }, icon('play'), ' Run');
    const deny = h('button', { type: 'button', 'data-action': 'deny', title: 'Do not run it (Escape)' }, icon('close'), ' Deny');
    run.addEventListener('click', () => this.decide('run'));
    deny.addEventListener('click', () => this.decide('deny'));
    this.#stop.addEventListener('click', () => this.stop());
    this.#runsAs = h('p', { class: 'card-meta', 'data-field': 'runs-as' }, approval.kind === 'command' ? ranAsText() : CELL_RUNS_IN);
    const what = approval.kind === 'cell' ? `a ${approval.language === 'node' ? 'Node' : 'Python'} cell` : 'a command';
    this.#actions = h(
      'div',
      { class: 'card-actions' },
      // Cells are approved one by one: only exact commands can be always allowed.
      approval.kind === 'command' ? h('label', { class: 'always' }, this.#always, ' Always allow this exact command in this workspace') : null,
      h('span', { class: 'spacer' }),
      deny,
      run,
    );
    this.element = h(
      'article',
      { class: 'approval-card asking', tabindex: '0', 'data-approval': approval.id, 'aria-label': `Parley asks to run ${what}` },
      h('header', {}, icon(approval.kind === 'cell' ? 'notebook' : 'terminal'), h('strong', {}, ` ${cardTitle(approval, what)}`)),
      h('pre', { class: 'card-command', 'data-field': 'command' }, h('code', {}, approval.command)),
      h('p', { class: 'card-meta' }, icon('folder'), ` in ${approval.cwd}`, h('br'), icon('comment'), ` ${approval.reason}`),
      // Where it runs, since the user may look for it in a terminal of their own.
      this.#runsAs,
      approval.preapproved ? null : this.#actions,
      this.#output,
      this.#figures,
      h('div', { class: 'card-footer' }, this.#status, this.#stop),
    );
    if (approval.preapproved) this.#always.checked = true;
    this.element.addEventListener('keydown', (event) => this.onKey(event));
  }

  private onKey(event: KeyboardEvent): void {
    // Keys typed in the checkbox label or a button act there; Enter on the card itself runs.
    if (event.key === 'Escape' && this.#state === 'running') this.stop();
    else if (event.key === 'Escape' && this.#state === 'asking') this.decide('deny');
    else if (event.key === 'Enter' && this.#state === 'asking' && event.target === this.element) this.decide('run');
    else return;
    event.preventDefault();
    event.stopPropagation();
  }

  private decide(decision: 'run' | 'deny'): void {
    if (this.#state !== 'asking') return;
    this.#state = 'decided';
    this.send({ type: 'approve', id: this.approval.id, decision, ...(decision === 'run' && this.#always.checked ? { always: true } : {}) });
    this.#actions.querySelectorAll('button, input').forEach((control) => control.setAttribute('disabled', ''));
    this.#status.textContent = decision === 'run' ? 'Starting…' : 'Denying…';
  }

  private stop(): void {
    if (this.#state !== 'running') return;
    this.send({ type: 'stopRun', id: this.approval.id });
    this.#status.textContent = 'Stopping…';
  }

  apply(frame: CardFrame): void {
    if (frame.type === 'approvalState') {
      this.setState(frame.state);
      if (frame.ranAs) this.#runsAs.textContent = ranAsText(frame.ranAs);
    } else if (frame.type === 'runOutput') this.append(frame.text, frame.stream);
    else if (frame.type === 'runImage')
      this.#figures.append(h('img', { class: 'card-figure', src: `data:image/png;base64,${frame.png}`, alt: 'A figure the cell drew' }));
    else if (frame.type === 'runTable') this.#figures.append(cellTable(frame.table));
    else if (frame.type === 'runEnd') this.end(frame);
  }

  private setState(state: 'running' | 'denied' | 'cancelled'): void {
    this.#actions.remove();
    this.element.classList.remove('asking');
    this.element.classList.add(state);
    if (state === 'running') {
      this.#state = 'running';
      this.#stop.hidden = false;
      this.#status.replaceChildren(icon('loading codicon-modifier-spin'), ' Running… (Escape stops it)');
      this.element.focus();
    } else {
      this.#state = 'ended';
      this.#status.textContent = state === 'denied' ? 'You denied it; it did not run.' : 'The answer stopped before you decided; it did not run.';
    }
  }

  private append(text: string, stream: 'stdout' | 'stderr'): void {
    this.#output.hidden = false;
    const atBottom = this.#output.scrollHeight - this.#output.scrollTop - this.#output.clientHeight < 20;
    for (const segment of sgrSegments(text, this.#style)) {
      this.#style = segment.style;
      if (segment.text === '') continue;
      const span = h('span', { class: [stream === 'stderr' ? 'stderr' : '', ...segment.classes].filter(Boolean).join(' ') }, segment.text);
      this.#output.append(span);
      this.#chars += segment.text.length;
    }
    // Long output: the page keeps the tail.
    while (this.#chars > CARD_OUTPUT_CHARS && this.#output.firstChild) {
      this.#chars -= this.#output.firstChild.textContent?.length ?? 0;
      this.#output.firstChild.remove();
      this.#output.dataset.cut = 'true';
    }
    if (atBottom) this.#output.scrollTop = this.#output.scrollHeight;
  }

  private end(frame: RunEnd): void {
    this.#state = 'ended';
    this.#stop.hidden = true;
    this.element.classList.remove('running');
    this.element.classList.add('ended', frame.outcome);
    // A cell has neither: its kernel outlives it, or was stopped by Parley for the reason given.
    const exit = frame.signal ? `signal ${frame.signal}` : frame.exitCode === null ? undefined : `exit code ${frame.exitCode}`;
    const parts = [OUTCOMES[frame.outcome], exit, `${frame.ms} ms`, frame.reason].filter(Boolean);
    this.#status.replaceChildren(icon(frame.outcome === 'ok' ? 'pass' : 'error'), ` ${parts.join(' · ')}`);
    this.#status.dataset.outcome = frame.outcome;
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  /** Focus moves to a new card that asks, so Enter and Escape answer it. */
  focusIfAsking(): void {
    if (this.#state === 'asking' && !this.approval.preapproved) this.element.focus();
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** What a table leaves out, in words; empty when it shows everything. */
function leftOut(table: CellTable): string {
  const rows = table.totalRows - table.rows.length;
  const columns = table.totalColumns - table.columns.length;
  const words = (n: number, what: string) => `${count(n)} more ${what}${n === 1 ? '' : 's'}`;
  return [rows > 0 ? words(rows, 'row') : '', columns > 0 ? words(columns, 'column') : ''].filter(Boolean).join(' and ');
}

/**
 * A table a cell returned, as an HTML table with a caption and column headers (every cell set as
 * text), scrolling inside its own region, and a note of the rows and columns left out.
 */
function cellTable(table: CellTable): HTMLElement {
  const size = `${count(table.totalRows)} row${table.totalRows === 1 ? '' : 's'} × ${count(table.totalColumns)} column${table.totalColumns === 1 ? '' : 's'}`;
  const omitted = leftOut(table);
  const element = h(
    'table',
    {},
    h('caption', {}, `A table the cell returned: ${size}`),
    h('thead', {}, h('tr', {}, ...table.columns.map((column) => h('th', { scope: 'col' }, column)))),
    h('tbody', {}, ...table.rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell))))),
  );
  return h(
    'figure',
    { class: 'card-table', 'data-field': 'table' },
    // Focusable, so a keyboard can scroll a table wider or longer than the card.
    h('div', { class: 'card-table-scroll', tabindex: '0', role: 'region', 'aria-label': `Table, ${size}` }, element),
    omitted ? h('figcaption', { class: 'card-table-note', 'data-field': 'table-note' }, `${omitted} not shown.`) : null,
  );
}

/** The panel's approval cards, newest last. */
export class Cards {
  readonly element = h('section', { class: 'cards', 'aria-label': 'Commands' });
  readonly #cards = new Map<string, Card>();

  constructor(private readonly send: (frame: ClientFrame) => void) {}

  apply(frame: CardFrame): void {
    if (frame.type === 'approval') {
      // A panel that reconnects is shown the cards still waiting, which it may have already.
      if (this.#cards.has(frame.id)) return;
      const card = new Card(frame, this.send);
      this.#cards.set(frame.id, card);
      this.element.append(card.element);
      for (const [id, old] of this.#cards) {
        if (this.#cards.size <= MAX_CARDS) break;
        if (!old.ended) continue;
        old.element.remove();
        this.#cards.delete(id);
      }
      card.element.scrollIntoView({ block: 'nearest' });
      card.focusIfAsking();
      return;
    }
    this.#cards.get(frame.id)?.apply(frame);
  }
}

/** The workspace's always-allowed commands, each with a button that takes it off the list. */
export function allowedCommandsSection(commands: readonly string[][], remove: (argv: string[]) => void): HTMLElement {
  if (commands.length === 0) return h('p', { class: 'hint' }, 'None: every command Parley runs asks you first. Tick "Always allow" on a card to add one.');
  return h(
    'ul',
    { class: 'allowed-list' },
    ...commands.map((argv) => {
      const button = h('button', { type: 'button', title: 'Ask again before running it', 'data-action': 'remove' }, icon('trash'), ' Remove');
      button.addEventListener('click', () => remove(argv));
      return h('li', {}, h('code', {}, argv.map(shownWord).join(' ')), button);
    }),
  );
}

/** A word as a shell would need it quoted, so the list reads as the command line it matches. */
function shownWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The REPL cell input: a language, the code, and Run (Ctrl+Enter). Running a cell the user typed
 * is its approval; its card shows the output and figures like any other.
 */
export function cellInput(run: (language: CellLanguage, code: string) => void): HTMLElement {
  const language = h(
    'select',
    { 'aria-label': 'Cell language', 'data-field': 'cell-language' },
    h('option', { value: 'python' }, 'Python'),
    h('option', { value: 'node' }, 'Node'),
  ) as HTMLSelectElement;
  const code = h('textarea', {
    rows: '3',
    class: 'cell-code',
    'data-field': 'cell-code',
    placeholder: 'import matplotlib.pyplot as plt … (Ctrl+Enter runs it; variables persist between cells)',
    'aria-label': 'Cell code',
  }) as HTMLTextAreaElement;
  const button = h('button', { type: 'submit', title: 'Run the cell (Ctrl+Enter)', 'data-action': 'run-cell' }, icon('play'), ' Run cell');
  const form = h('form', { class: 'cell-input' }, code, h('div', { class: 'composer-actions' }, language, h('span', { class: 'spacer' }), button));
  const submit = () => {
    if (code.value.trim() === '') return;
    run(language.value === 'node' ? 'node' : 'python', code.value);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  code.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    event.preventDefault();
    submit();
  });
  return h('details', { class: 'repl' }, h('summary', {}, icon('notebook'), ' REPL'), form);
}
