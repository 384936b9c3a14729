/**
 * What the terminal named "Parley" prints for a command's run (extension/terminal.ts), without
 * VS Code: the command line and its folder before the first output, the output as printed (its
 * escape sequences pass through, the terminal renders them), and the exit line.
 */
import type { CommandOutput } from '../protocol/lsp';

const BOLD = '\u001b[1m';
const DIM = '\u001b[2m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

/** A terminal moves to a new line on CRLF only: a lone LF would only move the cursor down. */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export function headerLine(output: Pick<CommandOutput, 'command' | 'cwd'>): string {
  return `${BOLD}$ ${crlf(output.command)}${RESET} ${DIM}(in ${output.cwd})${RESET}\r\n`;
}

export function exitLine(exit: NonNullable<CommandOutput['exit']>): string {
  const took = exit.ms === undefined ? '' : ` · ${(exit.ms / 1000).toFixed(1)} s`;
  if (exit.signal) return `${RED}[stopped (${exit.signal})${took}]${RESET}\r\n`;
  return `${exit.code === 0 ? DIM : RED}[exit ${exit.code ?? '?'}${took}]${RESET}\r\n`;
}

/** Turns a run's messages into terminal text, remembering which runs it has introduced and where the cursor is. */
export class TerminalText {
  private readonly introduced = new Set<string>();
  private atLineStart = true;
  private wroteAnything = false;

  render(output: CommandOutput): string {
    let text = '';
    if (!this.introduced.has(output.runId)) {
      this.introduced.add(output.runId);
      text += this.newLine() + (this.wroteAnything ? '\r\n' : '') + headerLine(output);
    }
    if (output.chunk) text += crlf(output.chunk);
    if (output.exit) {
      text += (text ? this.lineAfter(text) : this.newLine()) + exitLine(output.exit);
      this.introduced.delete(output.runId);
    }
    if (text) {
      this.atLineStart = text.endsWith('\n');
      this.wroteAnything = true;
    }
    return text;
  }

  /** Whether this run's command line has been shown. */
  shown(runId: string): boolean {
    return this.introduced.has(runId);
  }

  private newLine(): string {
    return this.atLineStart ? '' : '\r\n';
  }

  private lineAfter(text: string): string {
    return text.endsWith('\n') ? '' : '\r\n';
  }
}
