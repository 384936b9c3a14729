/**
 * Runs the built server bundle as VS Code would: a child process speaking JSON-RPC over stdio.
 * The test plays the client: it answers `workspace/configuration` from settings it controls and
 * records the notifications the server sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  EditorStateRequest,
  ServerStatusNotification,
  TerminalExecuteRequest,
  TerminalOpenRequest,
  type EditorState,
  type InitializationOptions,
  type TerminalExecuteParams,
  type TerminalExecuteResult,
  type TerminalOpenResult,
} from '../../protocol/lsp';
import { DEFAULT_SETTINGS, type ParleySettings } from '../../protocol/settings';
import type { ServerStatus } from '../../protocol/status';
import { SERVER_BUNDLE } from './paths';
import { waitFor } from './poll';

export interface TestServer {
  connection: MessageConnection;
  process: ChildProcess;
  statuses: ServerStatus[];
  logs: string[];
  stderr(): string;
  settings: ParleySettings;
  /** Replaces the settings the client answers with and tells the server they changed. */
  changeSettings(settings: ParleySettings): Promise<void>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
  /** What the test's editor shows; the server asks for it with parley/editorState. */
  editorState: EditorState;
  /** window/showDocument and workspace/applyEdit requests the server sent, answered as `accept` says. */
  shown: unknown[];
  edits: unknown[];
  acceptEdits: boolean;
  /** How long the client takes to answer `workspace/configuration` (0: at once), as a busy editor might. */
  configurationDelayMs: number;
  /**
   * The test editor's terminal named "Parley": by default it has none, so commands run as child
   * processes; a test of the terminal path replaces these (test/integration/hands/terminal.test.ts).
   */
  terminalOpen(): TerminalOpenResult | Promise<TerminalOpenResult>;
  terminalExecute(params: TerminalExecuteParams): TerminalExecuteResult | Promise<TerminalExecuteResult>;
}

export const NO_TEST_TERMINAL = 'this test editor has no terminal';

export interface StartOptions {
  storage: { globalStoragePath: string; workspaceStoragePath: string };
  env?: NodeJS.ProcessEnv;
  settings?: ParleySettings;
  /** Skip `initialize`, for tests of what happens before or without it. */
  initialize?: boolean;
  /** Whether the editor trusts the workspace (default: it does). */
  trusted?: boolean;
}

export async function startServer(options: StartOptions): Promise<TestServer> {
  const child = spawn(process.execPath, [SERVER_BUNDLE, '--stdio'], { env: options.env ?? { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const server: TestServer = {
    connection,
    process: child,
    statuses: [],
    logs: [],
    stderr: () => stderr,
    settings: options.settings ?? structuredClone(DEFAULT_SETTINGS),
    async changeSettings(settings) {
      server.settings = settings;
      await connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    },
    exited,
    editorState: { workspaceFolders: [], openFiles: [], diagnostics: [] },
    shown: [],
    edits: [],
    acceptEdits: true,
    configurationDelayMs: 0,
    terminalOpen: () => ({ unavailable: NO_TEST_TERMINAL }),
    terminalExecute: () => ({ unavailable: NO_TEST_TERMINAL }),
    async stop() {
      if (child.exitCode === null) {
        await connection.sendRequest('shutdown').catch(() => undefined);
        await connection.sendNotification('exit').catch(() => undefined);
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      connection.dispose();
    },
  };
  connection.onRequest('workspace/configuration', async (params: { items: { section?: string }[] }) => {
    if (server.configurationDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, server.configurationDelayMs));
    return params.items.map((item) => (item.section === 'parley' ? server.settings : null));
  });
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest(EditorStateRequest.method, () => server.editorState);
  connection.onRequest(TerminalOpenRequest.type, () => server.terminalOpen());
  connection.onRequest(TerminalExecuteRequest.type, (params) => server.terminalExecute(params));
  connection.onRequest('window/showDocument', (params: unknown) => {
    server.shown.push(params);
    return { success: true };
  });
  connection.onRequest('workspace/applyEdit', (params: unknown) => {
    server.edits.push(params);
    return { applied: server.acceptEdits };
  });
  connection.onNotification(ServerStatusNotification.method, (status: ServerStatus) => void server.statuses.push(status));
  connection.onNotification('window/logMessage', (message: { message: string }) => void server.logs.push(message.message));
  // The connection reports a dead peer as an error; tests that kill the server expect that.
  connection.onError(() => undefined);
  connection.listen();
  if (options.initialize !== false) await initialize(server, options.storage, options.trusted ?? true);
  return server;
}

export async function initialize(server: TestServer, storage: StartOptions['storage'], trusted = true): Promise<void> {
  const initializationOptions: InitializationOptions = { ...storage, extensionVersion: 'test', workspaceTrusted: trusted };
  await server.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } } },
    initializationOptions,
  });
  await server.connection.sendNotification('initialized', {});
  await waitFor(() => server.statuses.find((status) => status.health !== 'starting'), { what: 'the server to report ready' });
}

/** A server in `dir` whose model is the OpenAI-compatible stand-in at `baseUrl`, with an editor showing `dir` as the workspace. */
export async function startModelServer(dir: string, baseUrl: string): Promise<TestServer> {
  const server = await startServer({
    storage: { globalStoragePath: join(dir, 'g'), workspaceStoragePath: join(dir, 'w') },
    settings: { ...structuredClone(DEFAULT_SETTINGS), llm: { provider: 'openai-compatible', model: 'local-coder', baseUrl } },
  });
  server.editorState = { workspaceFolders: [dir], openFiles: [], diagnostics: [] };
  return server;
}

/**
 * A server for voice tests in `dir`: the OpenAI-compatible stand-in at `baseUrl` as model and
 * recognizer, espeak-ng as the voice, and an editor showing `dir` as the workspace.
 */
export async function startVoiceServer(dir: string, baseUrl: string, env?: NodeJS.ProcessEnv): Promise<TestServer> {
  const server = await startServer({
    storage: { globalStoragePath: join(dir, 'g'), workspaceStoragePath: join(dir, 'w') },
    ...(env ? { env } : {}),
    settings: {
      ...structuredClone(DEFAULT_SETTINGS),
      llm: { provider: 'openai-compatible', model: 'm', baseUrl },
      stt: { provider: 'openai-compatible', model: '', baseUrl },
      tts: { provider: 'system', model: '', baseUrl: '' },
    },
  });
  server.editorState = { workspaceFolders: [dir], openFiles: [], diagnostics: [] };
  return server;
}
