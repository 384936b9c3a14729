/**
 * REPL cells on approval cards: the session's kernels (one per language, so variables persist
 * between cells), a cell's output, value, traceback, figures and tables streamed to its card, and each
 * execution kept with the session. A cell the user typed in the panel is approved by running it;
 * one the assistant proposes (run_cell) waits for Run on its card like a command.
 */
import type { CellLanguage } from '../../protocol/live';
import type { HandsSettings } from '../../protocol/settings';
import type { Execution } from '../sessions/store';
import { WorkspaceFolders } from '../tools/confine';
import type { Approvals } from './approval';
import { Repl, type CellEvent, type CellResult } from './repl';

export interface CellsDeps {
  approvals: Approvals;
  /** Where executions are kept: the session store. */
  record(execution: Execution): void;
  settings(): Promise<HandsSettings>;
}

/** Where a cell runs: the kernel's folder, inside the workspace folders. */
export interface CellPlace {
  cwd: string;
  workspaceFolders: readonly string[];
}

/** What a cell printed, its value and its error, in the order a reader expects; a value that is a table is kept as its table instead. */
export function cellOutput(result: CellResult): string {
  const error = result.error ? [result.error.traceback || `${result.error.name}: ${result.error.message}`] : [];
  const value = result.tables.length > 0 ? '' : (result.value ?? '');
  return [result.stdout, result.stderr, value, ...error].filter((part) => part !== '').join('\n');
}

export class Cells {
  readonly #repls = new Map<CellLanguage, { repl: Repl; key: string }>();

  constructor(private readonly deps: CellsDeps) {}

  /** The session's kernel for `language`; a fresh one when the settings or the folder changed (its variables go with the old one). */
  private async repl(language: CellLanguage, place: CellPlace): Promise<Repl> {
    const { timeoutMs, memoryMb, python } = await this.deps.settings();
    const key = JSON.stringify([timeoutMs, memoryMb, python, place.cwd, place.workspaceFolders]);
    const current = this.#repls.get(language);
    if (current?.key === key) return current.repl;
    await current?.repl.close();
    const repl = new Repl({
      language,
      cwd: place.cwd,
      workspaceFolders: place.workspaceFolders,
      python,
      timeoutMs,
      limits: { memoryBytes: memoryMb * 1024 * 1024 },
    });
    this.#repls.set(language, { repl, key });
    return repl;
  }

  /** Runs the approved cell of card `id`, its events streamed to the card, and keeps the execution. */
  async run(
    id: string,
    cell: { language: CellLanguage; code: string; source: Execution['source'] },
    place: CellPlace,
    signal: AbortSignal,
  ): Promise<CellResult & { output: string }> {
    const { approvals } = this.deps;
    const repl = await this.repl(cell.language, place);
    const ended = await approvals.run(id, signal, async (runSignal, onOutput) => {
      const onEvent = (event: CellEvent) => {
        if (event.type === 'stdout' || event.type === 'stderr') onOutput(event.type, event.text);
        else if (event.type === 'value') onOutput('stdout', `${event.text}\n`);
        else if (event.type === 'error') onOutput('stderr', `${event.error.traceback || `${event.error.name}: ${event.error.message}`}\n`);
        else if (event.type === 'image') approvals.image(id, event.png);
        else if (event.type === 'table') approvals.table(id, event.table);
      };
      const result = await repl.run(cell.code, { signal: runSignal, onEvent });
      // A restart's explanation is an error the kernel never sent as an event.
      if (result.restarted) onOutput('stderr', `${result.error?.message ?? result.restarted.reason}\n`);
      return { ...result, exitCode: null, signal: null, output: cellOutput(result), ...(result.restarted ? { reason: result.restarted.reason } : {}) };
    });
    this.deps.record({
      language: cell.language,
      source: cell.source,
      code: cell.code,
      outcome: ended.outcome,
      ms: ended.ms,
      output: ended.output,
      images: ended.images.map((png) => png.toString('base64')),
      tables: ended.tables,
      createdAt: Date.now(),
    });
    return ended;
  }

  /** A cell the user typed and ran in the panel: running it was the approval, so its card only shows it run. */
  async runTyped(cell: { language: CellLanguage; code: string }, workspaceFolders: readonly string[]): Promise<void> {
    const folders = new WorkspaceFolders(workspaceFolders);
    const cwd = folders.resolve('.');
    const { id } = this.deps.approvals.preapproved({
      kind: 'cell',
      command: cell.code,
      cwd: 'the workspace folder',
      reason: 'You ran it in the panel',
      language: cell.language,
    });
    await this.run(id, { ...cell, source: 'user' }, { cwd, workspaceFolders: folders.folders }, new AbortController().signal);
  }

  /** Ends every kernel of the session. */
  async close(): Promise<void> {
    const repls = [...this.#repls.values()];
    this.#repls.clear();
    await Promise.all(repls.map(({ repl }) => repl.close()));
  }
}
