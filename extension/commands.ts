/** Parley's commands. Each one that needs the server says so when it is not running. */
import * as vscode from 'vscode';
import { ExplainProblemCommand, explainQuestion, type ExplainProblemArgs } from '../protocol/fixes';
import { loadClientLibrary, type Ctx } from './ctx';
import { exportSessionCommand } from './exportSession';
import * as kb from './knowledge';
import { reviewCommand } from './review';
import { clearApiKeyCommand, setApiKeyCommand, type Secrets } from './secrets';
import { SessionPanel } from './views/panel';

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

export function registerCommands(context: vscode.ExtensionContext, ctx: Ctx, secrets: Secrets): void {
  const commands: Record<string, Handler> = {
    'parley.openSession': () => SessionPanel.show(context.extensionUri, ctx),
    'parley.setApiKey': () => setApiKeyCommand(secrets),
    'parley.clearApiKey': () => clearApiKeyCommand(secrets),
    'parley.showLog': () => ctx.log.show(),
    'parley.exportSession': () => exportSessionCommand(ctx),
    'parley.openCapturePage': async () => {
      const { url } = await ctx.requireClient().sendRequest(loadClientLibrary().CapturePageRequest.type);
      // Mapped for remote windows; on a local window this is the loopback address itself.
      await vscode.env.openExternal(await vscode.env.asExternalUri(vscode.Uri.parse(url)));
    },
    'parley.restartServer': async () => {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Restarting the Parley server' }, () => ctx.restart());
    },
    'parley.toggleListening': () => SessionPanel.show(context.extensionUri, ctx, { type: 'toggleListening' }),
    [ExplainProblemCommand.command]: (args?: ExplainProblemArgs) => {
      if (!args?.problems?.length) throw new Error('Explain with Parley works from the lightbulb on an error or warning.');
      const path = vscode.workspace.asRelativePath(vscode.Uri.parse(args.uri), false);
      SessionPanel.show(context.extensionUri, ctx, { type: 'ask', text: explainQuestion(path, args) });
    },
    'parley.kb.addFolder': (uri?: vscode.Uri) => kb.addFolderCommand(ctx, uri),
    'parley.kb.addFile': (uri?: vscode.Uri) => kb.addFileCommand(ctx, uri),
    'parley.kb.addSelection': () => kb.addSelectionCommand(ctx),
    'parley.kb.sync': () => kb.syncCommand(ctx),
    'parley.kb.setVisibility': (uri?: vscode.Uri) => kb.setVisibilityCommand(ctx, uri),
    'parley.kb.stats': () => kb.statsCommand(ctx),
    'parley.kb.contributions': () => kb.contributionsCommand(ctx),
    'parley.kb.removeSource': () => kb.removeSourceCommand(ctx),
    'parley.review': () => reviewCommand(ctx),
  };
  for (const [name, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(name, guarded(ctx, name, handler)));
  }
}
