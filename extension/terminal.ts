/**
 * The terminal named "Parley output": the approved commands that ran as child processes of the
 * server (when the terminal named "Parley" could not take them, terminalShell.ts), their output
 * as it comes and how they ended, beside the user's own terminals. It is created on the first
 * output, reused after, and created again after the user closes it. It has no shell of its own
 * and takes no input.
 */
import * as vscode from 'vscode';
import type { CommandOutput } from '../protocol/lsp';
import { TerminalText } from './terminalText';

export const TERMINAL_NAME = 'Parley output';

export class ParleyTerminal implements vscode.Disposable {
  private terminal: vscode.Terminal | undefined;
  private writer: vscode.EventEmitter<string> | undefined;
  /** What was written before VS Code opened the terminal: events fired before `open` are dropped. */
  private unopened: string[] | undefined;
  private text = new TerminalText();
  private readonly closed = vscode.window.onDidCloseTerminal((closed) => {
    if (closed === this.terminal) this.forget();
  });

  show(output: CommandOutput): void {
    const starts = !this.text.shown(output.runId);
    const text = this.text.render(output);
    if (!text) return;
    if (!this.terminal) this.create();
    if (starts) this.terminal?.show(true);
    if (this.unopened) this.unopened.push(text);
    else this.writer?.fire(text);
  }

  private create(): void {
    const writer = new vscode.EventEmitter<string>();
    this.writer = writer;
    this.unopened = [];
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writer.event,
      open: () => {
        for (const text of this.unopened?.splice(0) ?? []) writer.fire(text);
        this.unopened = undefined;
      },
      close: () => this.forget(),
    };
    this.terminal = vscode.window.createTerminal({ name: TERMINAL_NAME, pty, iconPath: new vscode.ThemeIcon('comment-discussion') });
  }

  /** The user closed the terminal: the next output opens a new one, starting afresh. */
  private forget(): void {
    this.writer?.dispose();
    this.terminal = undefined;
    this.writer = undefined;
    this.unopened = undefined;
    this.text = new TerminalText();
  }

  dispose(): void {
    this.closed.dispose();
    this.terminal?.dispose();
    this.forget();
  }
}
