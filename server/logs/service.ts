/**
 * The Claude Code session requests: the sessions on this machine, and one analysed with progress
 * and cancellation. A transcript is data: nothing in it is run, opened or sent anywhere.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import { formatBytes, type ClaudeSessionAnalysis } from '../../protocol/logs';
import type { PriceTable } from '../../protocol/pricing';
import { LogsAnalyzeRequest, LogsListRequest, type LogsAnalyzeParams } from '../../protocol/lsp';
import type { Logger } from '../log';
import { onRequest } from '../rpc';
import { claudeProjectsDir, listClaudeSessions } from './claudeCode/list';
import { analyzeClaudeSession } from './claudeCode/session';

/** `prices`: the table the analysis prices usage with (the defaults with the user's own over them). */
export function registerLogs(connection: Connection, log: Logger, prices: () => Promise<PriceTable>, env: NodeJS.ProcessEnv = process.env): void {
  onRequest(connection, LogsListRequest, (params) => listClaudeSessions(params.dir ?? claudeProjectsDir(env)));
  onRequest(connection, LogsAnalyzeRequest, async (params, token) => analyze(connection, log, params, await prices(), token));
}

async function analyze(
  connection: Connection,
  log: Logger,
  params: LogsAnalyzeParams,
  prices: PriceTable,
  token: CancellationToken,
): Promise<ClaudeSessionAnalysis> {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  const progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
  progress.begin('Parley: analysing the Claude Code session', 0, 'Reading', true);
  let reported = -1;
  try {
    const analysis = await analyzeClaudeSession(params.file, {
      prices,
      signal: controller.signal,
      onProgress: (bytes, total) => {
        const percentage = total > 0 ? Math.floor((bytes / total) * 100) : 100;
        if (percentage === reported) return;
        reported = percentage;
        progress.report(percentage, `${formatBytes(bytes)} of ${formatBytes(total)}`);
      },
    });
    log.info('Claude Code session analysed', { file: params.file, bytes: analysis.bytes, skippedLines: analysis.skippedLines });
    return analysis;
  } catch (error) {
    if (controller.signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'The analysis was cancelled.');
    throw error;
  } finally {
    progress.done();
  }
}
