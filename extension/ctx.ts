/**
 * The one owner of the language client: start, stop and restart, serialized so that a restart
 * requested while another is running waits its turn. Disposables that live as long as the
 * extension are kept apart from those that live as long as one client.
 *
 * The language client library and the protocol tables are loaded on the first start, after
 * activation has returned, so that loading them does not count against VS Code's start-up.
 */
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import type { KbStats } from '../protocol/knowledge';
import type { CommandOutput, InitializationOptions, LiveEndpoint } from '../protocol/lsp';
import { SERVER_NODE_FLAGS } from '../protocol/serverProcess';
import { configurationMiddleware } from './config';
import { editorState } from './editorState';
import type { Secrets } from './secrets';
import type { StatusBar } from './status';
import type { ParleyShell } from './terminalShell';

/** dist/lspClient.js, next to this bundle; esbuild leaves this require alone (see esbuild.mjs). */
export function loadClientLibrary(): typeof import('./lspClient') {
  return require('./lspClient.js') as typeof import('./lspClient');
}

export class Ctx implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private clientDisposables: vscode.Disposable[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly endpointEmitter = new vscode.EventEmitter<LiveEndpoint | undefined>();
  private endpoint: LiveEndpoint | undefined;
  private readonly kbStatsEmitter = new vscode.EventEmitter<KbStats>();
  private readonly commandOutputEmitter = new vscode.EventEmitter<CommandOutput>();
  private readonly sessionsEmitter = new vscode.EventEmitter<void>();

  /** Fires with the live endpoint when a server becomes ready, and undefined when it stops. */
  readonly onDidChangeEndpoint = this.endpointEmitter.event;
  /** Fires with the knowledge base's figures whenever the server says they changed. */
  readonly onDidChangeKbStats = this.kbStatsEmitter.event;
  /** Fires with each piece of output of a command the user approved that runs as a child process, for the terminal named "Parley output". */
  readonly onCommandOutput = this.commandOutputEmitter.event;
  /** Fires when the server says a session started, was answered in, changed or was deleted. */
  readonly onDidChangeSessions = this.sessionsEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly secrets: Secrets,
    private readonly statusBar: StatusBar,
    private readonly shell: ParleyShell,
  ) {}

  get liveEndpoint(): LiveEndpoint | undefined {
    return this.endpoint;
  }

  get running(): boolean {
    return this.client !== undefined && this.client.isRunning();
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Tells the server that the remote window's webviews load from `origin`, so it accepts their connections. */
  async allowRemoteOrigin(origin: string): Promise<void> {
    const { LiveRemoteOriginNotification } = loadClientLibrary();
    await this.client?.sendNotification(LiveRemoteOriginNotification.type, { origin });
  }

  /** The running client, or an error that says so, for commands that need the server. */
  requireClient(): LanguageClient {
    if (!this.client || !this.running) throw new Error('The Parley server is not running. Run "Parley: Restart Server", or open the log.');
    return this.client;
  }

  /**
   * The client once a start in progress has finished: a command run right after VS Code starts
   * (from a menu, before the server is up) waits for it instead of failing.
   */
  async readyClient(): Promise<LanguageClient> {
    await this.queue;
    return this.requireClient();
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(operation);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    this.statusBar.starting();
    const {
      LanguageClient,
      TransportKind,
      ServerStatusNotification,
      EditorStateRequest,
      WorkspaceTrustNotification,
      KbStatsNotification,
      CommandOutputNotification,
      SessionsChangedNotification,
      TerminalOpenRequest,
      TerminalExecuteRequest,
    } = loadClientLibrary();
    const client = new LanguageClient('parley', 'Parley', await this.serverOptions(TransportKind.stdio), this.clientOptions());
    this.client = client;
    this.clientDisposables.push(
      client.onDidChangeState(() => void this.onState(client)),
      client.onNotification(ServerStatusNotification.type, (status) => this.statusBar.update(status)),
      client.onNotification(KbStatsNotification.type, (stats) => this.kbStatsEmitter.fire(stats)),
      client.onNotification(CommandOutputNotification.type, (output) => this.commandOutputEmitter.fire(output)),
      client.onNotification(SessionsChangedNotification.type, () => this.sessionsEmitter.fire()),
      client.onRequest(EditorStateRequest.type, () => editorState()),
      client.onRequest(TerminalOpenRequest.type, () => this.shell.open()),
      client.onRequest(TerminalExecuteRequest.type, (params) => this.shell.execute(params)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        client
          .sendNotification(WorkspaceTrustNotification.type, { trusted: true })
          .catch((error: unknown) => this.log.warn(`Telling the server about workspace trust: ${String(error)}`));
      }),
    );
    try {
      await client.start();
    } catch (error) {
      this.statusBar.stopped(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.setEndpoint(undefined);
    for (const disposable of this.clientDisposables.splice(0)) disposable.dispose();
    if (client && (client.isRunning() || client.needsStop()))
      await client.stop(5000).catch((error: unknown) => this.log.warn(`Stopping the server: ${String(error)}`));
    this.statusBar.stopped('restarting');
  }

  /** After every (re)start, including the client's own restarts after a crash, hand the views the new endpoint. */
  private async onState(client: LanguageClient): Promise<void> {
    if (client !== this.client) return;
    if (client.isRunning()) {
      const { LiveEndpointRequest } = loadClientLibrary();
      try {
        this.setEndpoint(await client.sendRequest(LiveEndpointRequest.type));
      } catch (error) {
        this.log.error(`Could not get the live endpoint: ${String(error)}`);
      }
    } else {
      this.setEndpoint(undefined);
      if (client.needsStart()) this.statusBar.stopped('the server exited; see the log');
      else this.statusBar.starting();
    }
  }

  private setEndpoint(endpoint: LiveEndpoint | undefined): void {
    this.endpoint = endpoint;
    this.endpointEmitter.fire(endpoint);
  }

  private async serverOptions(transport: TransportKind): Promise<ServerOptions> {
    const module = this.context.asAbsolutePath('dist/server.js');
    const env = await this.secrets.serverEnvironment(process.env);
    return {
      run: { module, transport, options: { env, execArgv: [...SERVER_NODE_FLAGS] } },
      debug: { module, transport, options: { env, execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6019'] } },
    };
  }

  private clientOptions(): LanguageClientOptions {
    const initializationOptions: InitializationOptions = {
      globalStoragePath: this.context.globalStorageUri.fsPath,
      // Without a folder open there is no workspace storage; sessions then go under global storage.
      workspaceStoragePath: (this.context.storageUri ?? vscode.Uri.joinPath(this.context.globalStorageUri, 'no-workspace')).fsPath,
      extensionVersion: String(this.context.extension.packageJSON.version),
      workspaceTrusted: vscode.workspace.isTrusted,
    };
    return {
      outputChannel: this.log,
      initializationOptions,
      synchronize: { configurationSection: 'parley' },
      middleware: configurationMiddleware,
    };
  }

  dispose(): void {
    this.endpointEmitter.dispose();
    this.kbStatsEmitter.dispose();
    this.commandOutputEmitter.dispose();
    this.sessionsEmitter.dispose();
    for (const disposable of this.clientDisposables.splice(0)) disposable.dispose();
  }
}
