/**
 * The terminal named "Parley": a shell of the user's, with VS Code's shell integration, where the
 * commands they approve in the panel run, so they can scroll the output and keep working there.
 * The server asks whether it can take a command now (`parley/terminalOpen`), then gives the argv
 * of Parley's terminal runner to run in it (`parley/terminalExecute`); the runner fetches the
 * approved job from the server itself, so nothing the model wrote is typed into the shell.
 *
 * It cannot take one without shell integration (turned off, or a shell VS Code does not integrate
 * with), in a shell whose quoting Parley does not write (PowerShell, cmd), or while something else
 * runs in it: executing there would interrupt the user's own command. The server then runs the
 * command as a child process and the card says why.
 */
import * as vscode from 'vscode';
import type { TerminalExecuteParams, TerminalExecuteResult, TerminalOpenResult } from '../protocol/lsp';
import { posixCommandLine } from './shellQuote';

export const SHELL_TERMINAL_NAME = 'Parley';

/** Shells whose quoting is POSIX's (fish reads `'\''` the same way). */
const POSIX_SHELLS = new Set(['bash', 'zsh', 'sh', 'fish', 'ksh', 'gitbash']);

/** How long a new terminal's shell may take to activate shell integration. */
export const SHELL_INTEGRATION_WAIT_MS = 8_000;

export class ParleyShell implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  /** Executions in the Parley terminal not yet ended: the user's own and Parley's. */
  private readonly running = new Set<vscode.TerminalShellExecution>();
  /** Executions Parley started, so the failure watch does not offer to discuss what the assistant already has. */
  private readonly ours = new WeakSet<vscode.TerminalShellExecution>();
  private readonly disposables: vscode.Disposable[] = [
    vscode.window.onDidCloseTerminal((closed) => {
      if (closed === this.terminal) this.forget();
    }),
    vscode.window.onDidStartTerminalShellExecution(({ terminal, execution }) => {
      if (terminal === this.terminal) this.running.add(execution);
    }),
    vscode.window.onDidEndTerminalShellExecution(({ terminal, execution }) => {
      if (terminal === this.terminal) this.running.delete(execution);
    }),
  ];

  constructor(private readonly cwd: () => vscode.Uri | undefined) {}

  /** Whether `execution` is one Parley started (an approved command's runner). */
  startedByParley(execution: vscode.TerminalShellExecution): boolean {
    return this.ours.has(execution);
  }

  async open(): Promise<TerminalOpenResult> {
    if (!vscode.workspace.isTrusted) return { unavailable: 'the workspace is not trusted' };
    if (this.terminal?.exitStatus !== undefined) this.forget();
    this.terminal ??= vscode.window.createTerminal({ name: SHELL_TERMINAL_NAME, cwd: this.cwd(), iconPath: new vscode.ThemeIcon('comment-discussion') });
    const terminal = this.terminal;
    const integration = terminal.shellIntegration ?? (await shellIntegrationOf(terminal, SHELL_INTEGRATION_WAIT_MS));
    if (!integration)
      return {
        unavailable: `the terminal named "Parley" has no shell integration (VS Code adds it to bash, zsh, fish and PowerShell unless terminal.integrated.shellIntegration.enabled is off)`,
      };
    const shell = terminal.state.shell;
    if (shell !== undefined && !POSIX_SHELLS.has(shell))
      return { unavailable: `the terminal named "Parley" runs ${shell}, whose command lines Parley does not write yet` };
    if (this.running.size > 0) return { unavailable: 'a command is still running in the terminal named "Parley", and Parley would interrupt it' };
    return { ready: true, ...(shell ? { shell } : {}) };
  }

  execute(params: TerminalExecuteParams): TerminalExecuteResult {
    const integration = this.terminal?.shellIntegration;
    if (!this.terminal || !integration) return { unavailable: 'the terminal named "Parley" was closed or lost its shell integration' };
    if (this.running.size > 0) return { unavailable: 'a command started in the terminal named "Parley" meanwhile' };
    const execution = integration.executeCommand(posixCommandLine(params.argv, params.electronAsNode ? { ELECTRON_RUN_AS_NODE: '1' } : {}));
    this.ours.add(execution);
    this.running.add(execution);
    this.terminal.show(true);
    return { executed: true };
  }

  private forget(): void {
    this.terminal = undefined;
    this.running.clear();
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.terminal?.dispose();
    this.forget();
  }
}

/** The terminal's shell integration once it activates, or undefined after `waitMs`. */
function shellIntegrationOf(terminal: vscode.Terminal, waitMs: number): Promise<vscode.TerminalShellIntegration | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      listener.dispose();
      resolve(terminal.shellIntegration);
    }, waitMs);
    const listener = vscode.window.onDidChangeTerminalShellIntegration((event) => {
      if (event.terminal !== terminal) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(event.shellIntegration);
    });
  });
}
