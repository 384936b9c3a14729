/**
 * Activation only: create the owners, register commands and views, start the server without
 * waiting for it. All work happens in the server, so activation stays fast.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { FailureWatch } from './failureWatch';
import { Secrets } from './secrets';
import { StatusBar } from './status';
import { TEAM_NOTE_SCHEME, TeamNotes } from './teamNotes';
import { ParleyTerminal } from './terminal';
import { ParleyShell } from './terminalShell';
import { SESSION_VIEW_TYPE, SessionPanel } from './views/panel';
import { KNOWLEDGE_VIEW_ID, KnowledgeBaseView } from './views/sidebar';
import { SESSIONS_VIEW_ID, SessionsTree } from './views/sessionsTree';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Parley', { log: true });
  const secrets = new Secrets(context.secrets);
  const statusBar = new StatusBar();
  const shell = new ParleyShell(() => vscode.workspace.workspaceFolders?.[0]?.uri);
  ctx = new Ctx(context, log, secrets, statusBar, shell);
  const current = ctx;
  const failures = new FailureWatch(context.extensionUri, current, shell);
  const terminal = new ParleyTerminal();
  const sessions = new SessionsTree(current);
  context.subscriptions.push(
    sessions,
    vscode.window.registerTreeDataProvider(SESSIONS_VIEW_ID, sessions),
    failures,
    terminal,
    shell,
    current.onCommandOutput((output) => terminal.show(output)),
    log,
    statusBar,
    current,
    vscode.workspace.registerTextDocumentContentProvider(TEAM_NOTE_SCHEME, new TeamNotes(current)),
    vscode.window.registerWebviewViewProvider(KNOWLEDGE_VIEW_ID, new KnowledgeBaseView(context.extensionUri, current)),
    vscode.window.registerWebviewPanelSerializer(SESSION_VIEW_TYPE, SessionPanel.serializer(context.extensionUri, current)),
    secrets.onDidChange(() => void current.restart().catch((error: unknown) => log.error(`Restart after a key change failed: ${String(error)}`))),
  );
  registerCommands(context, current, secrets, failures, sessions);
  log.info(`Parley activated in ${(performance.now() - started).toFixed(1)} ms`);
  void current.start().catch((error: unknown) => {
    log.error(`The Parley server did not start: ${String(error)}`);
    void vscode.window.showErrorMessage('Parley: the server did not start.', 'Open Log').then((choice) => choice && log.show());
  });
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
}
