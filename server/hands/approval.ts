/**
 * The user's say over what the assistant runs. A command line is split into words without a
 * shell (anything a shell would interpret is refused, so what the card shows is what runs); the
 * panel shows a card with the exact line, its folder and the reason, and only an `approve` frame
 * from a live panel client answers it (server/main.ts routes those here and nothing else does:
 * text from files, notes, command output or the model never reaches this path). Once approved,
 * the card streams the run's output and Stop on it aborts the run.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'shell-quote';
import type { CellTable } from '../../protocol/cellTable';
import type { ApprovalKind, CellLanguage, RunOutcome, ServerFrame } from '../../protocol/live';
import type { RanAs } from '../../protocol/serverFrames';
import { keepSgr, type Stream } from './output';

export type ParsedCommand = { argv: string[] } | { problem: string };

/** Environment variable assignments before a program (`FOO=1 npm test`): a shell would set them. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** What a shell token would do, in words. */
function shellFeature(token: unknown): string {
  if (token && typeof token === 'object') {
    if ('comment' in token) return 'a comment (#)';
    if ('pattern' in token) return `the glob pattern ${String(token.pattern)}`;
    if ('op' in token && typeof token.op === 'string' && token.op.startsWith('$')) return 'a variable or command substitution ($)';
    if ('op' in token) return `the shell operator ${String(token.op)}`;
  }
  return 'shell syntax';
}

/**
 * Splits one command line into a program and its arguments, as a POSIX shell would quote them,
 * or says why it is not one plain command: Parley runs no shell, so operators (`;`, `&&`, `|`,
 * `>`), substitutions (`$(…)`, backticks, `$VAR`), globs, comments and variable assignments are
 * refused rather than passed on as literal words the user would misread on the card.
 */
export function parseCommandLine(line: string): ParsedCommand {
  const plain = (problem: string) => ({
    problem: `run_command runs one program with its arguments, without a shell, and \`${line}\` has ${problem}. Send one command per call, with no shell operators, substitutions, globs or variable assignments.`,
  });
  if (line.trim() === '') return { problem: 'The command is empty.' };
  if (/[\r\n]/.test(line)) return plain('more than one line');
  if (line.includes('`')) return plain('a command substitution (backticks)');
  const tokens = parse(line, (name) => ({ op: `$${name}` }) as unknown as string);
  const odd = tokens.find((token) => typeof token !== 'string');
  if (odd !== undefined) return plain(shellFeature(odd));
  const argv = tokens as string[];
  if (argv.length === 0) return { problem: 'The command is empty.' };
  if (ASSIGNMENT.test(argv[0]!)) return plain(`a variable assignment (${argv[0]})`);
  return { argv };
}

/** A transcript that is only the word "stop" (any case, punctuation around it). */
export function isSpokenStop(text: string): boolean {
  return /^[^\p{L}\p{N}]*stop[^\p{L}\p{N}]*$/iu.test(text);
}

/** The commands a workspace runs without asking, matched on the whole parsed command, word for word. */
export interface AllowList {
  allowedCommands(): string[][];
  isAllowed(argv: readonly string[]): boolean;
  allowCommand(argv: readonly string[]): void;
  disallowCommand(argv: readonly string[]): void;
}

/** The key an argv is stored and matched by: every word, in order, unambiguously. */
export function commandKey(argv: readonly string[]): string {
  return JSON.stringify(argv);
}

export interface ApprovalRequest {
  kind: ApprovalKind;
  /** The exact line the user sees and approves. */
  command: string;
  /** The folder it runs in, as the user knows it (relative to the workspace). */
  cwd: string;
  reason: string;
  /** A cell's language. */
  language?: CellLanguage;
}

export interface Approved {
  id: string;
  always: boolean;
}

/** What a run reports when it ends, for the card. */
export interface RunEnd {
  outcome: RunOutcome;
  exitCode: number | null;
  signal: string | null;
  ms: number;
  reason?: string;
  /** The end of the output, for a card whose live stream was cut short. */
  output: string;
}

/** Characters of one run's output streamed to the panel; past this the card gets the tail at the end. */
export const PANEL_OUTPUT_CHARS = 256 * 1024;
/** How long output gathers before it goes to the panel as one frame. */
const OUTPUT_FLUSH_MS = 30;
/** The start of an escape sequence at the end of a chunk (CSI or OSC not yet terminated). */
const PARTIAL_ESCAPE = /\u001b(?:\[[\d;:?]*|\][^\u0007\u001b]*)?$/;
/** Characters of the output's end a cut-short card gets when the run ends. */
const CARD_TAIL_CHARS = 16 * 1024;

type Answer = { decision: 'run' | 'deny'; always: boolean };

/** What the panel shows when the user speaks while a card waits: only the card decides. */
export const WAITING_CARD_NOTICE =
  'A command is waiting for your answer in the panel: press Run (Enter) or Deny (Escape). What you said is answered after that; say "stop" to cancel it.';

export class Approvals {
  /** `told`: the user was told that what they said waits for this card. */
  readonly #pending = new Map<string, { card: ServerFrame; resolve: (answer: Answer | undefined) => void; told?: boolean }>();
  readonly #running = new Map<string, AbortController>();

  /** `panels`: how many panels are connected, which could show a card now. */
  constructor(
    private readonly emit: (frame: ServerFrame) => void,
    private readonly panels: () => number = () => 1,
  ) {}

  /** The cards waiting for an answer, for a panel that connects (or reloads) while they wait. */
  get waiting(): ServerFrame[] {
    return [...this.#pending.values()].map(({ card }) => card);
  }

  /**
   * Shows the card and waits for the user. Resolves with the card's id once approved, 'denied'
   * once denied, or undefined when `signal` aborts first (a barge-in, a new turn, Stop): the card
   * says it was cancelled and nothing runs.
   */
  async ask(request: ApprovalRequest, signal: AbortSignal): Promise<Approved | 'denied' | 'no panel' | undefined> {
    if (signal.aborted) return undefined;
    // Without a panel nobody can see the card: waiting would hang the answer.
    if (this.panels() === 0) return 'no panel';
    const id = randomUUID();
    const card: ServerFrame = { type: 'approval', id, ...request };
    const answer = await new Promise<Answer | undefined>((resolve) => {
      const cancel = () => resolve(undefined);
      signal.addEventListener('abort', cancel, { once: true });
      this.#pending.set(id, {
        card,
        resolve: (given) => {
          signal.removeEventListener('abort', cancel);
          resolve(given);
        },
      });
      this.emit(card);
    });
    this.#pending.delete(id);
    if (!answer) {
      this.emit({ type: 'approvalState', id, state: 'cancelled' });
      return undefined;
    }
    if (answer.decision === 'deny') {
      this.emit({ type: 'approvalState', id, state: 'denied' });
      return 'denied';
    }
    return { id, always: answer.always };
  }

  /** A card for a command on the always-allow list: shown, not asked. */
  preapproved(request: ApprovalRequest): Approved {
    const id = randomUUID();
    this.emit({ type: 'approval', id, ...request, preapproved: true });
    return { id, always: false };
  }

  /** The user answered card `id` in a live panel; false when no card of that id waits (answered, cancelled, or never shown). */
  answer(id: string, decision: 'run' | 'deny', always = false): boolean {
    const pending = this.#pending.get(id);
    if (!pending) return false;
    this.#pending.delete(id);
    pending.resolve({ decision, always });
    return true;
  }

  /** A figure card `id`'s cell drew. */
  image(id: string, png: Buffer): void {
    this.emit({ type: 'runImage', id, png: png.toString('base64') });
  }

  /** A table card `id`'s cell returned. */
  table(id: string, table: CellTable): void {
    this.emit({ type: 'runTable', id, table });
  }

  /** Stops every run and cancels every waiting card. */
  #stopAll(): void {
    for (const controller of this.#running.values()) controller.abort();
    for (const { resolve } of [...this.#pending.values()]) resolve(undefined);
  }

  /**
   * Watches what goes to the panel for a final spoken transcript that is just "stop", or the voice
   * loop's "stop" command (which may act on the words before the turn ends): it stops every run and
   * cancels every waiting card. Stopping needs no approval, and the voice loop
   * answers a turn only after the answer before it, which may be waiting on a card or a run.
   */
  heard(frame: ServerFrame): void {
    if (frame.type === 'voiceCommand' && frame.command === 'stop') return this.#stopAll();
    if (frame.type !== 'transcript' || !frame.final || frame.editable) return;
    if (isSpokenStop(frame.text)) return this.#stopAll();
    // Other words wait behind the card (a spoken "yes" must not run what a microphone heard): say so, once per card.
    const unanswered = [...this.#pending.values()].filter((pending) => !pending.told);
    if (unanswered.length === 0 || !/[\p{L}\p{N}]/u.test(frame.text)) return;
    for (const pending of unanswered) pending.told = true;
    this.emit({ type: 'notice', level: 'info', message: WAITING_CARD_NOTICE });
  }

  /** Stop on card `id`: its run is aborted. False when nothing of that id runs. */
  stop(id: string): boolean {
    const controller = this.#running.get(id);
    controller?.abort();
    return controller !== undefined;
  }

  /**
   * Runs approved card `id`'s work: the card shows it running (and, for a command, `ranAs`: how,
   * which the work may correct when it has to run it another way) and streams its output; the
   * answer's `signal` or Stop on the card aborts it; the card ends with how it ended.
   */
  async run<T extends RunEnd>(
    id: string,
    signal: AbortSignal,
    work: (signal: AbortSignal, onOutput: (stream: Stream, text: string) => void, ranAsNow: (ranAs: RanAs) => void) => Promise<T>,
    ranAs?: RanAs,
  ): Promise<T> {
    const stop = new AbortController();
    this.#running.set(id, stop);
    const output = new CardOutput(id, this.emit);
    this.emit({ type: 'approvalState', id, state: 'running', ...(ranAs ? { ranAs } : {}) });
    try {
      const result = await work(
        AbortSignal.any([signal, stop.signal]),
        (stream, text) => output.push(stream, text),
        (now) => this.emit({ type: 'approvalState', id, state: 'running', ranAs: now }),
      );
      output.end(result.output);
      const { outcome, exitCode, ms, reason } = result;
      this.emit({
        type: 'runEnd',
        id,
        outcome,
        exitCode,
        signal: result.signal,
        ms,
        ...(reason ? { reason } : {}),
        ...(output.dropped ? { droppedChars: output.dropped } : {}),
      });
      return result;
    } catch (error) {
      output.end('');
      this.emit({ type: 'runEnd', id, outcome: 'error', exitCode: null, signal: null, ms: 0, reason: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      this.#running.delete(id);
    }
  }
}

/**
 * One card's live output: the first chunk goes at once, later ones gather for a few milliseconds
 * and go as one frame per stream change, up to PANEL_OUTPUT_CHARS; a flood past that is counted, and the card gets the end of
 * the output when the run ends instead.
 */
class CardOutput {
  dropped = 0;
  #sent = 0;
  #stream: Stream = 'stdout';
  #text = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly id: string,
    private readonly emit: (frame: ServerFrame) => void,
  ) {}

  push(stream: Stream, text: string): void {
    const room = PANEL_OUTPUT_CHARS - this.#sent - this.#text.length;
    if (room <= 0) {
      this.dropped += text.length;
      return;
    }
    if (stream !== this.#stream) this.flush(false);
    this.#stream = stream;
    this.#text += text.slice(0, room);
    this.dropped += Math.max(0, text.length - room);
    // The first output shows at once; after it, chunks gather, so a flood is one frame every OUTPUT_FLUSH_MS, not one per chunk.
    if (this.#sent === 0 && this.#timer === undefined) this.flush(false);
    else this.#timer ??= setTimeout(() => this.flush(false), OUTPUT_FLUSH_MS);
  }

  /** `final`: the run ended, so an escape sequence cut off at the end will not be completed. */
  flush(final = true): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A chunk may end inside an escape sequence; its rest comes with the next chunk.
    const cut = final ? -1 : this.#text.search(PARTIAL_ESCAPE);
    const text = cut < 0 ? this.#text : this.#text.slice(0, cut);
    this.#text = cut < 0 ? '' : this.#text.slice(cut);
    if (text === '') return;
    this.#sent += text.length;
    this.emit({ type: 'runOutput', id: this.id, stream: this.#stream, text: keepSgr(text) });
  }

  /** The run ended: what waits goes out, and a cut-short card gets the output's end. */
  end(tail: string): void {
    this.flush();
    if (this.dropped === 0) return;
    const text = `\n… ${this.dropped} characters not shown; the end of the output:\n${tail.slice(-CARD_TAIL_CHARS)}`;
    this.emit({ type: 'runOutput', id: this.id, stream: 'stdout', text });
  }
}
