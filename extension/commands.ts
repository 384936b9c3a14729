/** Parley's commands. Each one that needs the server says so when it is not running. */
import * as vscode from 'vscode';
import { Commands, type CommandId } from '../protocol/commands';
import type { SessionType } from '../protocol/session';
import { explainQuestion, type DismissFindingArgs, type ExplainProblemArgs } from '../protocol/fixes';
import { loadClientLibrary, type Ctx } from './ctx';
import { exportSessionCommand } from './exportSession';
import { analyzeClaudeSessionCommand } from './logs';
import { deletePastSessionCommand, exportPastSessionCommand, newSessionCommand, openPastSessionCommand, searchSessionsCommand } from './sessions';
import type { FailureWatch } from './failureWatch';
import * as kb from './knowledge';
import { dismissFindingCommand, restoreDismissedCommand, reviewCommand } from './review';
import { clearApiKeyCommand, setApiKeyCommand, type Secrets } from './secrets';
import { downloadSpeechModelCommand } from './speechModels';
import { connectHubCommand } from './teamHub';
import { SessionPanel } from './views/panel';
import type { SessionItem, SessionsTree } from './views/sessionsTree';

type Handler = (...args: never[]) => unknown;

/** Runs a command and turns a failure into a message with a way to the log. */
function guarded(ctx: Ctx, name: string, handler: Handler): Handler {
  return async (...args: never[]) => {
    try {
      await handler(...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.error(`${name}: ${message}`);
      const choice = await vscode.window.showErrorMessage(`Parley: ${message}`, 'Open Log');
      if (choice === 'Open Log') ctx.log.show();
    }
  };
}

export function registerCommands(context: vscode.ExtensionContext, ctx: Ctx, secrets: Secrets, failures: FailureWatch, sessions: SessionsTree): void {
  const commands: Record<CommandId, Handler> = {
    [Commands.openSession]: () => SessionPanel.show(context.extensionUri, ctx),
    [Commands.newSession]: (type?: SessionType, transcript?: string) => newSessionCommand(context.extensionUri, ctx, type, transcript),
    [Commands.setApiKey]: () => setApiKeyCommand(secrets),
    [Commands.clearApiKey]: () => clearApiKeyCommand(secrets),
    [Commands.showLog]: () => ctx.log.show(),
    [Commands.exportSession]: () => exportSessionCommand(ctx),
    [Commands.openPastSession]: (item?: SessionItem | string) => openPastSessionCommand(context.extensionUri, ctx, item),
    [Commands.searchSessions]: () => searchSessionsCommand(context.extensionUri, ctx),
    [Commands.exportPastSession]: (item?: SessionItem | string) => exportPastSessionCommand(ctx, item),
    [Commands.deletePastSession]: (item?: SessionItem | string) => deletePastSessionCommand(ctx, item),
    [Commands.refreshSessions]: () => sessions.refresh(),
    [Commands.openCapturePage]: async () => {
      const { url } = await ctx.requireClient().sendRequest(loadClientLibrary().CapturePageRequest.type);
      // Mapped for remote windows; on a local window this is the loopback address itself.
      await vscode.env.openExternal(await vscode.env.asExternalUri(vscode.Uri.parse(url)));
    },
    [Commands.restartServer]: async () => {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Restarting the Parley server' }, () => ctx.restart());
    },
    [Commands.toggleListening]: () => SessionPanel.show(context.extensionUri, ctx, { type: 'toggleListening' }),
    [Commands.downloadSpeechModel]: () => downloadSpeechModelCommand(ctx),
    [Commands.explainProblem]: (args?: ExplainProblemArgs) => {
      if (!args?.problems?.length) throw new Error('Explain with Parley works from the lightbulb on an error or warning.');
      const path = vscode.workspace.asRelativePath(vscode.Uri.parse(args.uri), false);
      SessionPanel.show(context.extensionUri, ctx, { type: 'ask', text: explainQuestion(path, args) });
    },
    [Commands.kbAddFolder]: (uri?: vscode.Uri) => kb.addFolderCommand(ctx, uri),
    [Commands.kbAddFile]: (uri?: vscode.Uri) => kb.addFileCommand(ctx, uri),
    [Commands.kbAddSelection]: () => kb.addSelectionCommand(ctx),
    [Commands.kbSync]: () => kb.syncCommand(ctx),
    [Commands.kbSetVisibility]: (uri?: vscode.Uri) => kb.setVisibilityCommand(ctx, uri),
    [Commands.kbStats]: () => kb.statsCommand(ctx),
    [Commands.kbContributions]: () => kb.contributionsCommand(ctx),
    [Commands.kbRemoveSource]: () => kb.removeSourceCommand(ctx),
    [Commands.connectHub]: () => connectHubCommand(secrets),
    [Commands.review]: () => reviewCommand(ctx),
    [Commands.dismissFinding]: (args?: DismissFindingArgs) => dismissFindingCommand(ctx, args),
    [Commands.restoreDismissedFindings]: () => restoreDismissedCommand(ctx),
    [Commands.askAboutFailure]: () => failures.accept(),
    [Commands.analyzeClaudeSession]: () => analyzeClaudeSessionCommand(context.extensionUri, ctx),
  };
  for (const [name, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(name, guarded(ctx, name, handler)));
  }
}
