/**
 * Which failures Parley offers to look at, without VS Code: the editor's events come in through
 * extension/failureWatch.ts. Parley does not nag:
 * - a failure is offered once: the same task or command line (or new errors after saving the same
 *   file) failing again within DEDUPE_WINDOW_MS of its offer is not offered again, unless that
 *   task or command succeeded in between, which makes its next failure a new one;
 * - new errors in Problems count only when they arrive within SAVE_WINDOW_MS of a save and are at
 *   least ERRORS_JUMP more than before it (one new error is usually the line being typed);
 * - `parley.failures.offer` set to false offers nothing.
 */
import type { AskAboutFailure } from '../protocol/lsp';

export type NoticedFailure = Required<Pick<AskAboutFailure, 'kind' | 'name' | 'problems'>> & Pick<AskAboutFailure, 'exitCode' | 'newErrors' | 'output'>;

export const DEDUPE_WINDOW_MS = 10 * 60_000;
export const SAVE_WINDOW_MS = 5_000;
export const ERRORS_JUMP = 3;

const keyOf = (kind: NoticedFailure['kind'], name: string) => `${kind}\u0000${name}`;

export class FailureOffers {
  /** When each failure was last offered, by kind and name. */
  private readonly offered = new Map<string, number>();

  constructor(
    private readonly enabled: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to offer this failure now, or why not; an offer made is remembered for the dedupe window. */
  decide(failure: Pick<NoticedFailure, 'kind' | 'name'>): 'offer' | 'off' | 'repeat' {
    if (!this.enabled()) return 'off';
    const now = this.now();
    for (const [key, at] of this.offered) if (now - at >= DEDUPE_WINDOW_MS) this.offered.delete(key);
    const key = keyOf(failure.kind, failure.name);
    if (this.offered.has(key)) return 'repeat';
    this.offered.set(key, now);
    return 'offer';
  }

  /** The task or command ran cleanly: its next failure is a new one. */
  succeeded(kind: NoticedFailure['kind'], name: string): void {
    this.offered.delete(keyOf(kind, name));
  }
}

/** A jump in the errors in Problems that followed a save. */
export interface ErrorJump {
  file: string;
  before: number;
  after: number;
}

/**
 * Watches the error count around saves for a jump of ERRORS_JUMP or more. New errors are counted
 * from the moment the user began the edit the save keeps (the first change since the last save),
 * not from the save itself: a language server reports errors as the user types, so by the time
 * the file is saved they are already in Problems.
 */
export class ErrorJumps {
  private save: { file: string; errors: number; at: number } | undefined;
  /** Errors in Problems when the first change since the last save was made. */
  private beforeEdit: number | undefined;

  /**
   * A document changed: the first change since the last save sets what the next save is counted
   * from. `errors` is asked for only then, since this runs on every keystroke.
   */
  edited(errors: () => number): void {
    this.beforeEdit ??= errors();
  }

  /**
   * A file was saved with `errors` errors in Problems: the jump, when the errors since its edit
   * began make one. Saves in quick succession (auto-save) keep the count before the first: the
   * language server may answer only after the last.
   */
  saved(file: string, errors: number, at: number): ErrorJump | undefined {
    const pending = this.save && at - this.save.at <= SAVE_WINDOW_MS ? this.save : undefined;
    this.save = { file, errors: Math.min(errors, pending?.errors ?? this.beforeEdit ?? errors), at };
    this.beforeEdit = undefined;
    return this.jump(errors);
  }

  /** Problems changed and now hold `errors` errors: the jump, once per save, when there is one. */
  changed(errors: number, at: number): ErrorJump | undefined {
    const save = this.save;
    if (!save) return undefined;
    if (at - save.at > SAVE_WINDOW_MS) {
      this.save = undefined;
      return undefined;
    }
    return this.jump(errors);
  }

  private jump(errors: number): ErrorJump | undefined {
    const save = this.save;
    if (!save || errors - save.errors < ERRORS_JUMP) return undefined;
    this.save = undefined;
    return { file: save.file, before: save.errors, after: errors };
  }
}

function shortened(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** What the offer says: "The "test" task failed (exit 1). Ask Parley?" */
export function offerText(failure: NoticedFailure): string {
  const exit = failure.exitCode === undefined ? '' : ` (exit ${failure.exitCode})`;
  switch (failure.kind) {
    case 'task':
      return `The "${shortened(failure.name, 40)}" task failed${exit}. Ask Parley?`;
    case 'command':
      return `\`${shortened(failure.name, 40)}\` failed${exit}. Ask Parley?`;
    case 'problems': {
      const count = failure.newErrors ?? failure.problems.length;
      return `${count} new ${count === 1 ? 'error' : 'errors'} after saving ${shortened(failure.name.split(/[\\/]/).at(-1) ?? failure.name, 40)}. Ask Parley?`;
    }
  }
}

/** The end of `tail + chunk`, at most `max` characters: what is kept of a command's output as it streams. */
export function keepTail(tail: string, chunk: string, max: number): string {
  const joined = tail + chunk;
  return joined.length <= max ? joined : joined.slice(joined.length - max);
}
