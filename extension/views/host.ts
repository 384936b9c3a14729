/**
 * Binds one webview to the extension: hands it the live endpoint (again after every server
 * restart) and runs the few commands it may ask for. The webview's live stream (the conversation,
 * audio, the server's report) goes to the server directly; the sidebar's knowledge-base requests
 * go over LSP, through relay.ts.
 */
import * as vscode from 'vscode';
import { Commands } from '../../protocol/commands';
import type { LiveEndpoint } from '../../protocol/lsp';
import { ViewMessageSchema, type CaptureChoice, type HostMessage } from '../../protocol/webview';
import { chooseCapture, type HostKind } from '../captureChoice';
import { loadClientLibrary, type Ctx } from '../ctx';
import { openNote } from '../knowledge';
import { openTeamNote } from '../teamNotes';

/** Maps the loopback endpoint to one the webview can reach when VS Code runs remotely or in a browser. */
async function externalEndpoint(endpoint: LiveEndpoint): Promise<LiveEndpoint> {
  const local = vscode.Uri.parse(endpoint.url.replace(/^ws:/, 'http:'));
  const external = await vscode.env.asExternalUri(local);
  if (external.authority === local.authority && external.scheme === 'http') return endpoint;
  const scheme = external.scheme === 'https' ? 'wss' : 'ws';
  return { url: external.with({ scheme }).toString(true), token: endpoint.token };
}

function hostKind(): HostKind {
  if (vscode.env.uiKind === vscode.UIKind.Web) return 'web';
  return vscode.env.remoteName ? 'remote' : 'desktop';
}

/** Decides what the panel listens through, and opens the browser capture page when that is the choice. */
async function captureChoice(ctx: Ctx, webviewFailed: string | undefined): Promise<CaptureChoice> {
  try {
    const report = await (await ctx.readyClient()).sendRequest(loadClientLibrary().StatusRequest.type);
    const choice = chooseCapture({ preference: report.voice.capture, host: hostKind(), recorder: report.recorder !== null, webviewFailed });
    if (choice.start === 'browser') await vscode.commands.executeCommand(Commands.openCapturePage);
    return choice;
  } catch (error) {
    return { start: 'none', notice: `Parley cannot listen: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The live WebSocket's own host, which every webview's policy allows (html.ts). */
const LIVE_HOST = '127.0.0.1';

/** Redraws the webview with these extra sources in its Content-Security-Policy's connect-src. */
export type RenderWebview = (connectSources: readonly string[]) => void;

export function bindWebview(webview: vscode.Webview, ctx: Ctx, render: RenderWebview): vscode.Disposable {
  const post = (message: HostMessage) => void webview.postMessage(message);
  const connectSources = new Set<string>();
  const sendEndpoint = async (endpoint: LiveEndpoint | undefined) => {
    if (!endpoint) return post({ type: 'serverStopped', reason: 'The Parley server is not running.' });
    const external = await externalEndpoint(endpoint);
    const address = new URL(external.url);
    // code-server on 127.0.0.1 routes the endpoint through its own proxy on the same loopback
    // address: the policy and the server's origin check allow that already.
    if (external !== endpoint && !(address.protocol === 'ws:' && address.hostname === LIVE_HOST)) {
      // A remote window: the server must accept its webviews' origin, and their policy must allow
      // the external address. Redrawn, the webview says it is ready again and gets the endpoint then.
      await ctx.allowRemoteOrigin(`${address.protocol === 'wss:' ? 'https:' : 'http:'}//${address.host}`);
      if (!connectSources.has(address.origin)) {
        connectSources.add(address.origin);
        return render([...connectSources]);
      }
    }
    post({ type: 'connect', endpoint: external });
  };
  const onMessage = webview.onDidReceiveMessage((raw: unknown) => {
    // A webview runs page code: only the messages of the declared shapes, and the commands listed there, are acted on.
    const parsed = ViewMessageSchema.safeParse(raw);
    if (!parsed.success) return ctx.log.warn(`Ignored a webview message of the wrong shape: ${parsed.error.issues[0]?.message ?? ''}`);
    const message = parsed.data;
    if (message.type === 'ready') void sendEndpoint(ctx.liveEndpoint);
    else if (message.type === 'runCommand') void vscode.commands.executeCommand(message.command);
    else if (message.type === 'openNote' && message.teamDocument !== undefined) void openTeamNote(ctx, message.teamDocument, message.path, message.line);
    else if (message.type === 'openNote') {
      openNote(message.path, message.line).catch((error: unknown) => ctx.log.error(`Could not open ${message.path}: ${String(error)}`));
    } else if (message.type === 'chooseCapture') {
      void captureChoice(ctx, message.webviewFailed).then((choice) => post({ type: 'captureChoice', choice }));
    }
  });
  const onEndpoint = ctx.onDidChangeEndpoint((endpoint) => void sendEndpoint(endpoint));
  return vscode.Disposable.from(onMessage, onEndpoint);
}
