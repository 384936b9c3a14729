/**
 * Long server work shown as a VS Code notification with Cancel: the request carries a
 * work-done token whose `$/progress` reports feed the notification, and the notification's
 * Cancel cancels the request (the server stops and keeps what it finished).
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { loadClientLibrary, type Ctx } from './ctx';

type ProgressValue = { kind: 'begin' | 'report' | 'end'; message?: string; percentage?: number };

export async function withServerProgress<T>(
  ctx: Ctx,
  title: string,
  send: (client: LanguageClient, workDoneToken: string, token: vscode.CancellationToken) => Promise<T>,
): Promise<T> {
  const client = await ctx.readyClient();
  const { WorkDoneProgress } = loadClientLibrary();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const workDoneToken = randomUUID();
    let reported = 0;
    const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value: ProgressValue) => {
      const percentage = value.percentage ?? reported;
      progress.report({ message: value.message, increment: Math.max(0, percentage - reported) });
      reported = Math.max(reported, percentage);
    });
    try {
      return await send(client, workDoneToken, token);
    } finally {
      listener.dispose();
    }
  });
}
