/**
 * What an approved command prints, sent on to the extension's terminal named "Parley"
 * (extension/terminal.ts) as it comes, so the user can watch and scroll it beside their own
 * terminals. The engine calls this for each chunk and once at the exit; the terminal shows the
 * command line before a run's first chunk.
 */
import type { Connection } from 'vscode-languageserver/node';
import { CommandOutputNotification, type CommandOutput } from '../../protocol/lsp';

/** The most one notification carries: a flood of output goes as many, each a message the client can take at once. */
export const MAX_CHUNK_CHARS = 64_000;

type Sender = Pick<Connection, 'sendNotification'>;

/** Sends one piece of a run; a long chunk goes as several. Resolves once each is written to the client. */
export async function sendCommandOutput(connection: Sender, output: CommandOutput): Promise<void> {
  const { chunk, exit, ...run } = output;
  for (let at = 0; chunk !== undefined && at < chunk.length; at += MAX_CHUNK_CHARS) {
    await connection.sendNotification(CommandOutputNotification.type, { ...run, chunk: chunk.slice(at, at + MAX_CHUNK_CHARS) });
  }
  if (exit) await connection.sendNotification(CommandOutputNotification.type, { ...run, exit });
  else if (!chunk) await connection.sendNotification(CommandOutputNotification.type, run);
}
