/**
 * Notices failures in the editor and offers, once and without a modal, to ask Parley about them:
 * a task that exits non-zero, a terminal command that does (in terminals with shell
 * integration, which also gives its output), and a jump in the errors in Problems after a save.
 * The offer is a status-bar item; accepting it sends the failure to the server as a typed turn
 * (protocol/lsp.ts AskAboutFailureRequest) and opens the session panel to show the answer. Which
 * failures are offered is decided in extension/failures.ts.
 */
import * as vscode from 'vscode';
import { Commands } from '../protocol/commands';
import { FAILURE_MAX_MESSAGE_CHARS, FAILURE_MAX_NAME_CHARS, FAILURE_MAX_OUTPUT_CHARS, FAILURE_MAX_PROBLEMS } from '../protocol/failures';
import { loadClientLibrary, type Ctx } from './ctx';
import type { ParleyShell } from './terminalShell';
import { DEDUPE_WINDOW_MS, ErrorJumps, FailureOffers, keepTail, offerText, type ErrorJump, type NoticedFailure } from './failures';
import { SessionPanel } from './views/panel';

/** The offer leaves the status bar by itself after this: a failure the user let pass is not theirs to clear. */
const OFFER_SHOWN_MS = 5 * 60_000;
/** How long the end of a command waits for the rest of its output stream. */
const OUTPUT_SETTLE_MS = 1_000;
/** Ctrl+C in a shell: the user stopped the command, which is not a failure to ask about. */
const INTERRUPTED_EXIT = 130;
const MAX_TASK_PIDS = 100;

/** Diagnostics Parley publishes itself (a review's findings) are not new errors from a save. */
const ownDiagnostic = (d: vscode.Diagnostic) => d.source === 'Parley';

function errorsInProblems(): [vscode.Uri, vscode.Diagnostic[]][] {
  return vscode.languages
    .getDiagnostics()
    .map(([uri, list]): [vscode.Uri, vscode.Diagnostic[]] => [uri, list.filter((d) => d.severity === vscode.DiagnosticSeverity.Error && !ownDiagnostic(d))])
    .filter(([uri, list]) => uri.scheme === 'file' && list.length > 0);
}

const errorCount = () => errorsInProblems().reduce((sum, [, list]) => sum + list.length, 0);

/** The errors in Problems, those of `first` (the file just saved) before the rest. */
function problems(first?: vscode.Uri): NoticedFailure['problems'] {
  const files = errorsInProblems().sort(([a], [b]) => Number(b.toString() === first?.toString()) - Number(a.toString() === first?.toString()));
  return files
    .flatMap(([uri, list]) =>
      list.map((d) => ({
        path: vscode.workspace.asRelativePath(uri, false),
        line: d.range.start.line + 1,
        message: d.message.slice(0, FAILURE_MAX_MESSAGE_CHARS),
        ...(d.source ? { source: d.source.slice(0, 200) } : {}),
      })),
    )
    .slice(0, FAILURE_MAX_PROBLEMS);
}

/** What was read of a command's output so far; `done` settles when its stream ends. */
interface Output {
  tail: string;
  done: Promise<void>;
}

/** The output once its stream has ended, or as far as it got within OUTPUT_SETTLE_MS (an interactive shell's may stay open). */
async function outputOf(output: Output | undefined): Promise<string | undefined> {
  if (!output) return undefined;
  await Promise.race([output.done, new Promise((resolve) => setTimeout(resolve, OUTPUT_SETTLE_MS))]);
  return output.tail || undefined;
}

export class FailureWatch implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('parley.failure', vscode.StatusBarAlignment.Left, 9);
  private readonly offers = new FailureOffers(() => vscode.workspace.getConfiguration('parley').get<boolean>('failures.offer', true));
  private readonly jumps = new ErrorJumps();
  /**
   * The shell process of each task. A task's terminal has shell integration too: its command's
   * end is the task's failure, offered as the task's. Kept past the task's end, which may come
   * first; the newest MAX_TASK_PIDS are enough for that.
   */
  private readonly taskShells = new Set<number>();
  private readonly taskPids = new Map<vscode.TaskExecution, number>();
  /**
   * The output of the latest command in each terminal with shell integration, as it is read, by
   * the shell's process id: for a task, the only way to its output (VS Code gives an extension
   * none). A task's start may be reported after its command's, so every terminal's is kept until
   * its command or task ends.
   */
  private readonly terminalOutputs = new Map<number, Output>();
  private pending: NoticedFailure | undefined;
  /** The saved file of a pending jump in Problems: its errors are read again when the user accepts. */
  private pendingSaved: vscode.Uri | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly ctx: Ctx,
    private readonly shell: Pick<ParleyShell, 'startedByParley'>,
  ) {
    this.item.name = 'Parley: ask about a failure';
    this.item.command = Commands.askAboutFailure;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.disposables = [
      vscode.tasks.onDidStartTaskProcess(({ execution, processId }) => this.taskStarted(execution, processId)),
      vscode.tasks.onDidEndTaskProcess((event) => void this.taskEnded(event)),
      vscode.window.onDidStartTerminalShellExecution(({ terminal, execution }) => this.readOutput(terminal, execution)),
      vscode.window.onDidEndTerminalShellExecution((event) => void this.commandEnded(event)),
      vscode.workspace.onDidChangeTextDocument(({ document, contentChanges }) => {
        if (document.uri.scheme === 'file' && contentChanges.length > 0) this.jumps.edited(errorCount);
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.offerJump(this.jumps.saved(document.uri.toString(), errorCount(), Date.now()))),
      vscode.languages.onDidChangeDiagnostics(() => this.diagnosticsChanged()),
    ];
  }

  /** The command behind the status-bar item: asks Parley about the failure on offer. */
  async accept(): Promise<void> {
    const offered = this.pending;
    if (!offered) throw new Error('There is no failure to ask about: Parley offers one when a task or a terminal command fails.');
    // Problems as they are now: the language server may have caught up with the save since the offer.
    const failure = this.pendingSaved ? { ...offered, problems: problems(this.pendingSaved) } : offered;
    const client = await this.ctx.readyClient();
    this.clear();
    SessionPanel.show(this.extensionUri, this.ctx);
    await client.sendRequest(loadClientLibrary().AskAboutFailureRequest.type, failure);
  }

  private taskStarted(execution: vscode.TaskExecution, processId: number): void {
    this.taskPids.set(execution, processId);
    this.taskShells.add(processId);
    for (const pid of this.taskShells) if (this.taskShells.size > MAX_TASK_PIDS) this.taskShells.delete(pid);
  }

  /**
   * What the task's terminal read of its command. On a busy machine VS Code can report the
   * command's start after the task's end: it is waited for, as long as the rest of an output is.
   */
  private async taskOutput(pid: number): Promise<Output | undefined> {
    for (const started = Date.now(); !this.terminalOutputs.has(pid) && Date.now() - started < OUTPUT_SETTLE_MS;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const read = this.terminalOutputs.get(pid);
    this.terminalOutputs.delete(pid);
    return read;
  }

  private async taskEnded({ execution, exitCode }: vscode.TaskProcessEndEvent): Promise<void> {
    const name = execution.task.name.slice(0, FAILURE_MAX_NAME_CHARS);
    const pid = this.taskPids.get(execution);
    this.taskPids.delete(execution);
    if (exitCode === undefined || exitCode === 0) {
      if (pid !== undefined) this.terminalOutputs.delete(pid);
      if (exitCode === 0) this.offers.succeeded('task', name);
      return;
    }
    const read = pid === undefined ? undefined : await this.taskOutput(pid);
    // Without shell integration in its terminal, a task's problem matchers put what it found in Problems.
    const output = await outputOf(read);
    if (!output) this.ctx.log.info(`The "${name}" task's output could not be read: its terminal reported no command, or reported it after it had printed`);
    this.offer({ kind: 'task', name, exitCode, problems: problems(), ...(output ? { output } : {}) });
  }

  /** Starts reading at once: the stream holds only what is written after the first read. */
  private readOutput(terminal: vscode.Terminal, execution: vscode.TerminalShellExecution): void {
    if (this.shell.startedByParley(execution)) return;
    const entry: Output = { tail: '', done: Promise.resolve() };
    entry.done = (async () => {
      for await (const data of execution.read()) entry.tail = keepTail(entry.tail, data, FAILURE_MAX_OUTPUT_CHARS);
    })().catch(() => undefined);
    void Promise.resolve(terminal.processId).then((pid) => {
      if (pid !== undefined) this.terminalOutputs.set(pid, entry);
    });
  }

  private async commandEnded({ terminal, execution, exitCode }: vscode.TerminalShellExecutionEndEvent): Promise<void> {
    // A command the user approved in the panel: the assistant has its result already.
    if (this.shell.startedByParley(execution)) return;
    const pid = await terminal.processId;
    if (pid !== undefined && this.taskShells.has(pid)) return;
    const read = pid === undefined ? undefined : this.terminalOutputs.get(pid);
    if (pid !== undefined) this.terminalOutputs.delete(pid);
    const name = execution.commandLine.value.trim().slice(0, FAILURE_MAX_NAME_CHARS);
    if (exitCode === undefined || !name) return;
    if (exitCode === 0) return this.offers.succeeded('command', name);
    if (exitCode === INTERRUPTED_EXIT) return;
    const output = await outputOf(read);
    this.offer({ kind: 'command', name, exitCode, problems: problems(), ...(output ? { output } : {}) });
  }

  private diagnosticsChanged(): void {
    this.offerJump(this.jumps.changed(errorCount(), Date.now()));
  }

  private offerJump(jump: ErrorJump | undefined): void {
    if (!jump) return;
    const saved = vscode.Uri.parse(jump.file);
    this.offer(
      { kind: 'problems', name: vscode.workspace.asRelativePath(saved, false), newErrors: jump.after - jump.before, problems: problems(saved) },
      saved,
    );
  }

  private offer(failure: NoticedFailure, saved?: vscode.Uri): void {
    const text = offerText(failure);
    const decision = this.offers.decide(failure);
    // The log says what was noticed and why it was not offered: a user who wonders can look.
    if (decision === 'off') return this.ctx.log.info(`Failure noticed, not offered (parley.failures.offer is off): ${text}`);
    if (decision === 'repeat') return this.ctx.log.info(`Failure noticed, not offered again within ${DEDUPE_WINDOW_MS / 60_000} minutes: ${text}`);
    this.ctx.log.info(`Failure offered: ${text}`);
    this.pending = failure;
    this.pendingSaved = saved;
    this.item.text = `$(sparkle) ${text}`;
    this.item.tooltip = `${text}\n\nParley reads the failure with you; it runs nothing without your approval. Turn these offers off with the setting parley.failures.offer.`;
    this.item.show();
    clearTimeout(this.expiry);
    this.expiry = setTimeout(() => this.clear(), OFFER_SHOWN_MS);
  }

  private clear(): void {
    clearTimeout(this.expiry);
    this.pending = undefined;
    this.pendingSaved = undefined;
    this.item.hide();
  }

  dispose(): void {
    this.clear();
    this.item.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
