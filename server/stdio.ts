/**
 * The language server's connection over stdin and stdout. vscode-languageserver's own `--stdio`
 * connection reports a frame it cannot read (a Content-Length that is not a number, a header
 * block without one, a body that never completes) to no one and carries on, misreading or waiting
 * on everything after it: the server lives on but hears nothing. Here a broken frame is logged
 * and ends the process with code 1, so the client (vscode-languageclient) starts a fresh server.
 * Valid JSON that is not a JSON-RPC message is not a broken frame; the connection logs and skips it.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import {
  createConnection,
  LogMessageNotification,
  Message,
  MessageType,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type DataCallback,
  type Disposable,
} from 'vscode-languageserver/node';
import { createLogger, errorMessage, formatLine, type Logger, type LogLevel } from './log';
import { exitServer, LAST_LINE_MS } from './protect';

/**
 * How long a frame may stay incomplete. The client writes each frame at once into a local pipe,
 * so a body still short after this was announced with a wrong Content-Length, and every message
 * after it is being read as part of it.
 */
export const STALLED_FRAME_MS = 5_000;

/** Notes the shutdown request as it passes, for the exit code when stdin closes. */
class StdinReader extends StreamMessageReader {
  shutdownRequested = false;

  override listen(callback: DataCallback): Disposable {
    return super.listen((message) => {
      if (Message.isRequest(message) && message.method === 'shutdown') this.shutdownRequested = true;
      callback(message);
    });
  }
}

export function stdioConnection(): { connection: ProposedFeatures.Connection; log: Logger } {
  const reader = new StdinReader(process.stdin);
  reader.partialMessageTimeout = STALLED_FRAME_MS;
  const connection = createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
  const log = createLogger((level: LogLevel, line) => connection.console[level === 'warn' ? 'warn' : level](line));
  consoleToLog(log);
  let failed = false;
  const fail = (problem: string) => {
    if (failed) return;
    failed = true;
    exitAfterLogging(connection, formatLine('Parley cannot read what the editor sends and stops, so that the editor starts it again', { problem }));
  };
  reader.onError((error) => fail(errorMessage(error)));
  reader.onPartialMessage(({ waitingTime }) => fail(`a frame is still incomplete after ${waitingTime} ms: its Content-Length promised more than came`));
  // As vscode-languageserver does for a stdin it opened itself: a closed pipe ends the server.
  reader.onClose(() => exitServer(reader.shutdownRequested ? 0 : 1));
  // The library ends the process itself after the exit notification, through process.exit, which
  // protect.ts reports as a library's; the notification is the editor's, so the server ends here first.
  connection.onExit(() => exitServer(reader.shutdownRequested ? 0 : 1));
  return { connection, log };
}

/** Sends the line to the client's log (on stderr if that fails or takes too long), then exits with 1. */
function exitAfterLogging(connection: ProposedFeatures.Connection, line: string): void {
  const sent = connection.sendNotification(LogMessageNotification.type, { type: MessageType.Error, message: line });
  const late = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('timed out')), LAST_LINE_MS));
  void Promise.race([sent, late])
    .catch(() => new Promise<void>((resolve) => process.stderr.write(`[error] ${line}\n`, () => resolve())))
    .finally(() => exitServer(1));
}

/**
 * A dependency's console output on stdout would corrupt the frames there; it goes to the log,
 * as vscode-languageserver sends it when it opens stdio itself.
 */
function consoleToLog(log: Logger): void {
  const lines = (write: (line: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        write(chunk.toString().trimEnd());
        done();
      },
    });
  globalThis.console = new Console({ stdout: lines(log.info), stderr: lines(log.warn) });
}
