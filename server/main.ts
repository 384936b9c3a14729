/**
 * The companion server: a language server over stdio. This file only wires things together;
 * each piece lives in its own module.
 */
import { join } from 'node:path';
import type { InitializeResult } from 'vscode-languageserver/node';
import {
  AskAboutFailureRequest,
  CapturePageRequest,
  ExportSessionRequest,
  NewSessionRequest,
  KbStatsNotification,
  SessionsChangedNotification,
  SessionsDeleteRequest,
  SessionsExportRequest,
  SessionsListRequest,
  SessionsOpenRequest,
  SessionsSearchRequest,
  LiveEndpointRequest,
  LiveRemoteOriginNotification,
  ServerStatusNotification,
  StatusRequest,
  TerminalExecuteRequest,
  TerminalOpenRequest,
  WorkspaceTrustNotification,
} from '../protocol/lsp';
import { InitializationOptionsSchema } from '../protocol/params';
import type { ServerStatus, StatusReport } from '../protocol/status';
import { errorMessage } from './log';
import { createConversation } from './conversation/wiring';
import type { Conversation } from './conversation/conversation';
import { LiveServer, type LiveHandlers } from './live/server';
import { CAPTURE_PAGE_PATH } from './live/capturePage';
import { LIVE_TOKEN_PARAM, type ServerFrame } from '../protocol/live';
import { Captures } from './voice/captures';
import { exportedSession } from './sessions/export';
import { REAL_CLOCK, SessionTimer } from './sessions/timer';
import { TranscriptTables } from './sessions/tables';
import { BudgetWatch } from './sessions/budget';
import { SESSION_SETTING_KEYS, SESSION_TYPE_LABELS, type SessionHead, type SessionType } from '../protocol/session';
import { sessionHead, SessionStore } from './sessions/store';
import { oneLine } from './text';
import { Approvals } from './hands/approval';
import { Cells } from './hands/approvalCells';
import { sendCommandOutput } from './hands/terminalOutput';
import type { CommandOutput } from '../protocol/lsp';
import { KnowledgeService } from './knowledge/service';
import { registerFixes, type Fixes } from './repo/fixes/codeActions';
import { RelatedDefinitions } from './repo/fixes/related';
import { RepoIndexes } from './repo/indexes';
import { ReviewService } from './repo/review/service';
import { analysisBrief } from './logs/brief';
import { priceTable } from './pricing';
import { analyzeClaudeSession } from './logs/claudeCode/session';
import { registerLogs } from './logs/service';
import { Keys } from './providers/keys';
import { ProviderRegistry } from './providers/registry';
import { SettingsStore } from './settings';
import { buildStatusReport } from './status';
import { Storage } from './storage/storage';
import { stdioConnection } from './stdio';
import { protectProcess } from './protect';
import { parleyVersion } from './version';
import { isWorkspaceTrusted, setWorkspaceTrusted } from './process/trust';
import { warmUpSecretScan } from './secrets/redact';
import { onNotification, onRequest, parseParams } from './rpc';
import { failureTurnText } from './conversation/failure';
import { requestEditorState } from './tools/lspContext';
import { readVocabulary } from './voice/vocabulary';
import { SpeechModels } from './providers/stt/whisper/models';
import { registerSpeechModels } from './providers/stt/whisper/service';
import { WhisperEngine } from './providers/stt/whisper/engine';

const startedAt = Date.now();
const NATIVE_DIR = join(__dirname, 'native');
const { connection, log } = stdioConnection();
protectProcess(log);
const keys = new Keys(process.env);
/** The local recognizer's downloaded models; their folder is known at initialize (global storage). */
const speechModels = new SpeechModels();
/** Every provider stage of this server, each built once and under one circuit breaker per provider. */
const providers = new ProviderRegistry(keys, log, { stt: { speech: speechModels, whisper: { nativeDir: NATIVE_DIR } } });
const settings = new SettingsStore((scopeUri) => connection.workspace.getConfiguration({ scopeUri, section: 'parley' }), log);

let storage: Storage | undefined;
let knowledge: KnowledgeService | undefined;
let live: LiveServer | undefined;
let sessionTimer: SessionTimer | undefined;
let tables: TranscriptTables | undefined;
let conversation: { conversation: Conversation; store: SessionStore; sessionId: string } | undefined;
let fixes: Fixes | undefined;
let cells: Cells | undefined;
let review: ReviewService | undefined;
let repoIndexes: RepoIndexes | undefined;
let status: ServerStatus = { health: 'starting', activity: 'idle', message: 'Parley is starting' };

/** An `initialize` whose options are of the wrong shape is answered with InvalidParams saying what is wrong. */
function parseOptions(raw: unknown) {
  return parseParams('initializationOptions', InitializationOptionsSchema, raw ?? {});
}

async function report(): Promise<StatusReport> {
  if (!storage) throw new Error('Parley is still starting; try again in a moment.');
  return buildStatusReport({
    storage,
    settings: await settings.get(),
    keys,
    env: process.env,
    speech: speechModels,
    live: live ? { port: live.port, clients: live.clientCount } : null,
    startedAt,
  });
}

function setStatus(next: ServerStatus): void {
  status = next;
  void connection.sendNotification(ServerStatusNotification.type, status);
  live?.broadcast({ type: 'status', status });
}

async function publishReport(): Promise<void> {
  const current = await report();
  const llm = current.providers.find((stage) => stage.stage === 'llm');
  const recovered = current.storage.recovered;
  if (recovered.length > 0) {
    setStatus({
      health: 'warning',
      activity: status.activity,
      message: `A damaged database was moved aside to ${recovered.join(', ')}; a new one was created.`,
    });
  } else {
    const ready = llm?.configured ? 'Parley is ready' : 'Parley is ready; no language model is configured yet';
    // Restricted Mode changes what Parley does; the status says so rather than leave it to the review report.
    setStatus({ health: 'ready', activity: status.activity, message: isWorkspaceTrusted() ? ready : `${ready} (Restricted Mode: no git, no commands)` });
  }
  live?.broadcast({ type: 'report', report: current });
}

connection.onInitialize(async (params): Promise<InitializeResult> => {
  const options = parseOptions(params.initializationOptions);
  setWorkspaceTrusted(options.workspaceTrusted);
  warmUpSecretScan().catch((error: unknown) => log.warn('The secret scan could not start', { error: errorMessage(error) }));
  log.info('Workspace trust', { trusted: options.workspaceTrusted });
  storage = Storage.open({ globalDir: options.globalStoragePath, workspaceDir: options.workspaceStoragePath }, NATIVE_DIR, log);
  speechModels.locate(join(options.globalStoragePath, 'speech-models'));
  registerSpeechModels(connection, {
    models: speechModels,
    keys,
    settings: () => settings.get(),
    log,
    onInstalled: () => {
      providers.invalidate();
      void publishReport();
    },
  });
  live = await LiveServer.start({ log, assetsDir: join(__dirname, 'webview') });
  const server = live;
  knowledge = new KnowledgeService({
    db: storage.knowledge,
    file: storage.status.knowledgeDb,
    globalDir: options.globalStoragePath,
    keys,
    log,
    nativeDir: NATIVE_DIR,
    onStats: (stats) => void connection.sendNotification(KbStatsNotification.type, stats),
    settings: () => settings.get(),
    llm: (current) => providers.llm(current),
  });
  knowledge.register(connection);
  const store = new SessionStore(storage.sessions);
  tables = new TranscriptTables(join(options.workspaceStoragePath, 'transcript-tables'));
  const transcriptTables = tables;
  // Approval cards go to every panel; an answer from any live panel client decides.
  const approvals = new Approvals(
    (frame) => server.broadcast(frame),
    () => server.panelCount,
  );
  // Executions are kept with the conversation's session, which is chosen just below.
  cells = new Cells({
    approvals,
    record: (execution) => conversation && store.addExecution(conversation.sessionId, execution),
    settings: async () => (await settings.get()).hands,
  });
  const kb = knowledge;
  // One repository index per workspace folder, shared by the review, Fix with Parley and the conversation's context.
  repoIndexes = new RepoIndexes({ log, nativeDir: NATIVE_DIR, cacheDir: options.workspaceStoragePath });
  const related = new RelatedDefinitions({ log, indexes: repoIndexes });
  conversation = {
    store,
    ...createConversation({
      connection,
      store,
      settings: () => settings.get(),
      providers,
      log,
      emit: (frame) => {
        server.broadcast(frame);
        // Each committed turn changes a session's title, span or cost in the Sessions view.
        if (frame.type === 'turn') sessionsChanged();
        if (frame.type === 'turn' && frame.turn.role === 'assistant' && frame.turn.usage) void publishCost({ warn: true });
      },
      knowledge: () => kb.forTools(),
      transcriptTable: (sessionId) => transcriptTables.of(sessionId),
      repoMap: (folder, path, waitMs) => related.around(folder, path, [], waitMs),
      hands: {
        approvals,
        allowList: store,
        cells,
        settings: async () => (await settings.get()).hands,
        terminal: toTerminal,
        shell: {
          open: () => connection.sendRequest(TerminalOpenRequest.type),
          execute: (runId, argv, electronAsNode) => connection.sendRequest(TerminalExecuteRequest.type, { runId, argv, electronAsNode }),
        },
      },
    }),
  };
  const captures = new Captures({
    conversation: conversation.conversation,
    settings: () => settings.get(),
    providers,
    nativeDir: NATIVE_DIR,
    emit: (frame) => {
      // A spoken "stop" stops what runs, even while the voice loop holds the turn behind the answer.
      approvals.heard(frame);
      server.broadcast(frame);
    },
    onActivity: (activity) => {
      if (status.activity !== activity) setStatus({ ...status, activity });
    },
    log,
    vocabulary: () =>
      readVocabulary({
        editorState: () => requestEditorState(connection),
        filesAround: (folder, path, focus, tokens, waitMs) => related.filesAround(folder, path, focus, tokens, waitMs),
      }),
  });
  live.setHandlers(liveHandlers(conversation, captures, approvals, cells));
  sessionTimer = timeSessions(server, captures);
  const current = conversation.store.info(conversation.sessionId);
  if (current) sessionTimer.start(current.startedAt, current.timeLimitMs);
  const indexes = repoIndexes;
  fixes = registerFixes(connection, {
    client: params.capabilities,
    settings: () => settings.get(),
    providers,
    log,
    related,
    knowledge: () => kb.forTools(),
    syntax: (job, signal) => indexes.syntax(job, signal),
  });
  review = new ReviewService({
    settings: (scopeUri) => settings.get(scopeUri),
    providers,
    log,
    storageDir: options.workspaceStoragePath,
    indexes: repoIndexes,
  });
  review.register(connection);
  registerLogs(connection, log, async () => priceTable((await settings.get()).pricing));
  log.info(`Parley server ${parleyVersion} on Node ${process.versions.node}`, { live: live.url });
  return { capabilities: { ...fixes.capabilities }, serverInfo: { name: 'parley', version: parleyVersion } };
});

const TIME_IS_UP = "This session's time is up; everything is kept. Start another with Parley: New Session.";

/** A session's limit: the panels are told the time left, warned 5 minutes before, and at the end the microphone stops (the answer being given finishes). */
function timeSessions(server: LiveServer, captures: Captures): SessionTimer {
  return new SessionTimer(REAL_CLOCK, (state, endsAt) => {
    server.broadcast({ type: 'sessionTime', endsAt, state });
    if (state === 'warning') server.broadcast({ type: 'notice', level: 'warning', message: 'Five minutes of this session are left.' });
    if (state !== 'ended') return;
    server.broadcast({ type: 'notice', level: 'info', message: TIME_IS_UP });
    captures
      .stop(undefined, TIME_IS_UP)
      .catch((error: unknown) => log.warn('Could not stop listening at the end of the session', { error: errorMessage(error) }));
    log.info('The session reached its time limit');
  });
}

let terminalQueue: Promise<void> = Promise.resolve();
/** Output for the "Parley" terminal, sent in order: a long chunk goes as several notifications. */
function toTerminal(output: CommandOutput): void {
  terminalQueue = terminalQueue
    .then(() => sendCommandOutput(connection, output))
    .catch((error: unknown) => log.warn('Could not show command output in the terminal', { error: errorMessage(error) }));
}

function liveHandlers(talk: NonNullable<typeof conversation>, captures: Captures, approvals: Approvals, cells: Cells): LiveHandlers {
  const failed = (what: string) => (error: unknown) => log.error(what, { error: errorMessage(error) });
  return {
    onOpen: (client) => {
      client.send({ type: 'history', turns: talk.store.turns(talk.sessionId), session: sessionHead(talk.store, talk.sessionId, tables) });
      if (sessionTimer) client.send({ type: 'sessionTime', endsAt: sessionTimer.endsAt, state: sessionTimer.state });
      void publishCost({ to: (frame) => client.send(frame) });
      // A panel that opens (or reloads) while a card waits shows it, and can answer it.
      for (const card of approvals.waiting) client.send(card);
      report().then((current) => client.send({ type: 'hello', report: current, status }), failed('Could not greet a live client'));
    },
    onFrame: (frame, client) => {
      switch (frame.type) {
        case 'ping':
          return client.send({ type: 'pong', id: frame.id });
        case 'refresh':
          return void report().then((current) => client.send({ type: 'report', report: current }), failed('Could not refresh a live client'));
        case 'say': {
          if (sessionTimer?.state === 'ended')
            return client.send({ type: 'notice', level: 'warning', message: `${TIME_IS_UP} Not sent: "${oneLine(frame.text, 60)}"` });
          const voice = frame.spoken ? captures.sessionOf(client) : undefined;
          if (voice) return voice.say(frame.text);
          return void talk.conversation.say(frame.text, 'typed', { reply: (refusal) => client.send(refusal) }).catch(failed('The conversation failed'));
        }
        case 'talk':
          return void captures.talk(client, frame.pressed);
        case 'cancel':
          return void talk.conversation.cancel();
        case 'capture':
          if (frame.action === 'start' && sessionTimer?.state === 'ended') return client.send({ type: 'capture', state: 'stopped', reason: TIME_IS_UP });
          return void (frame.action === 'start' ? captures.start(client, frame.source) : captures.stop(client)).catch(failed('The microphone capture failed'));
        // Only these frames, from a live panel client, decide what runs.
        case 'approve':
          return void approvals.answer(frame.id, frame.decision, frame.always);
        case 'stopRun':
          return void approvals.stop(frame.id);
        case 'cell':
          if (!isWorkspaceTrusted())
            return client.send({ type: 'notice', level: 'warning', message: 'REPL cells do not run in Restricted Mode: trust the workspace to run code.' });
          return void requestEditorState(connection)
            .then((state) => cells.runTyped(frame, state.workspaceFolders))
            .catch(failed('The REPL cell failed'));
        case 'sessionType':
          return switchType(talk, frame.sessionType);
        case 'allowedCommands':
          if (frame.action === 'remove') talk.store.disallowCommand(frame.argv);
          return client.send({ type: 'allowedCommands', commands: talk.store.allowedCommands() });
      }
    },
    onClose: (client) => {
      void captures.stop(client).catch(failed('Stopping a capture failed'));
    },
  };
}

/** Builds or rebuilds the knowledge base for the embeddings settings; a new embedder re-embeds with progress. */
async function configureKnowledge(): Promise<void> {
  const current = await settings.get();
  await knowledge?.configure(current.embeddings, () => connection.window.createWorkDoneProgress());
  knowledge?.connectHub(current.hub.url);
}

connection.onInitialized(() => {
  fixes?.registerWithClient().catch((error: unknown) => log.error('Could not offer Fix with Parley to the editor', { error: errorMessage(error) }));
  publishReport().catch((error: unknown) => setStatus({ health: 'error', activity: 'idle', message: errorMessage(error) }));
  configureKnowledge().catch((error: unknown) => log.error('The knowledge base could not start', { error: errorMessage(error) }));
});

connection.onDidChangeConfiguration(() => {
  settings.invalidate();
  providers.invalidate();
  void publishCost();
  publishReport().catch((error: unknown) => log.error('Could not apply the new settings', { error: errorMessage(error) }));
  configureKnowledge().catch((error: unknown) => log.error('Could not apply the knowledge base settings', { error: errorMessage(error) }));
});

const ignored = (problem: string) => log.warn(`Ignored a notification: ${problem}`);

// Only a literal true grants trust: anything else a client might send leaves it as it is.
onNotification(
  connection,
  WorkspaceTrustNotification,
  () => {
    log.info('Workspace trust granted');
    setWorkspaceTrusted(true);
    publishReport().catch((error: unknown) => log.warn('Could not report the status', { error: errorMessage(error) }));
  },
  ignored,
);

onNotification(
  connection,
  LiveRemoteOriginNotification,
  ({ origin }) => {
    if (live?.allowRemoteOrigin(origin)) log.info('Live connections accepted from the remote window', { origin });
    else log.warn('Ignored a remote origin that is not an http(s) origin', { origin });
  },
  ignored,
);

connection.onRequest(StatusRequest.type, () => report());

connection.onRequest(LiveEndpointRequest.type, () => {
  if (!live) throw new Error('Parley is still starting; try again in a moment.');
  return { url: live.url, token: live.token };
});

connection.onRequest(CapturePageRequest.type, () => {
  if (!live) throw new Error('Parley is still starting; try again in a moment.');
  return { url: `http://127.0.0.1:${live.port}${CAPTURE_PAGE_PATH}?${LIVE_TOKEN_PARAM}=${encodeURIComponent(live.token)}` };
});

// The failure's text only becomes a typed turn: the model reads it, and any command it then asks for needs the user's approval.
onRequest(connection, AskAboutFailureRequest, async (failure) => {
  if (!conversation) throw new Error('Parley is still starting; try again in a moment.');
  const talk = conversation.conversation;
  const text = await failureTurnText(failure);
  talk.say(text).catch((error: unknown) => log.error('The conversation failed', { error: errorMessage(error) }));
});

connection.onRequest(ExportSessionRequest.type, () => {
  const { store, sessionId } = startedConversation();
  const exported = exportedSession(store, sessionId, 'md');
  if (!exported) throw new Error('The session in progress is not in the session history; start another with Parley: New Session.');
  return { markdown: `${exported.content}\n`, turns: exported.turns, startedAt: exported.startedAt };
});

onRequest(connection, NewSessionRequest, async (params) => {
  const talk = startedConversation();
  const current = await settings.get();
  const brief = params.transcript ? await analysisBrief(await analyzeClaudeSession(params.transcript, { prices: priceTable(current.pricing) })) : undefined;
  const limitMs = current.sessions.timeLimitMinutes[SESSION_SETTING_KEYS[params.type]] * 60_000;
  const startedAt = Date.now();
  const sessionId = talk.store.start(startedAt, params.type, brief, limitMs);
  if (params.transcript) {
    // The REPL loads the transcript's records from this table; a session without it still works.
    const table = await tables?.write(sessionId, params.transcript).catch((error: unknown) => {
      log.warn('Could not write the transcript table for the REPL', { error: errorMessage(error) });
      return undefined;
    });
    if (table) log.info('Transcript table written', { ...table });
  }
  const session = await goOnIn(talk, sessionId, startedAt);
  log.info('New session', { type: params.type, brief: brief?.length ?? 0 });
  return session;
});

function startedConversation(): NonNullable<typeof conversation> {
  if (!conversation || !live) throw new Error('Parley is still starting; try again in a moment.');
  return conversation;
}

function sessionsChanged(): void {
  void connection.sendNotification(SessionsChangedNotification.type).catch(() => undefined);
}

/**
 * The conversation goes on in `sessionId`: the answer in progress stops, every panel is sent its
 * history, and its time limit counts from `timedFrom` (its start, or for a session opened again,
 * now less the time it had already taken).
 */
async function goOnIn(talk: NonNullable<typeof conversation>, sessionId: string, timedFrom: number): Promise<SessionHead> {
  await talk.conversation.switchTo(sessionId);
  talk.sessionId = sessionId;
  sessionTimer?.start(timedFrom, talk.store.info(sessionId)?.timeLimitMs);
  const session = sessionHead(talk.store, sessionId, tables)!;
  live?.broadcast({ type: 'history', turns: talk.store.turns(sessionId), session });
  sessionsChanged();
  void publishCost();
  return session;
}

const budgets = new BudgetWatch();

/**
 * What the session in progress has cost, against its budget, to every panel (or `to` one); with
 * `warn`, after an answer, a warning the first time it nears the budget and when it passes it.
 */
async function publishCost(options: { to?: (frame: ServerFrame) => void; warn?: boolean } = {}): Promise<void> {
  const talk = conversation;
  if (!talk || !live) return;
  const budgetUsd = await settings
    .get()
    .then((current) => current.sessions.budgetUsd)
    .catch(() => 0);
  const costUsd = talk.store.summary(talk.sessionId)?.costUsd;
  const frame: ServerFrame = { type: 'sessionCost', costUsd: costUsd ?? null, budgetUsd: budgetUsd > 0 ? budgetUsd : null };
  if (options.to) options.to(frame);
  else live.broadcast(frame);
  const warning = options.warn ? budgets.check(talk.sessionId, costUsd, budgetUsd) : undefined;
  if (warning) {
    live.broadcast({ type: 'notice', level: 'warning', message: warning });
    log.info('Session budget warning', { costUsd, budgetUsd });
  }
}

/** The panel switched the session's type: the next turn gets that type's instructions, context order and tools. */
function switchType(talk: NonNullable<typeof conversation>, type: SessionType): void {
  if (!talk.store.setType(talk.sessionId, type)) return;
  live?.broadcast({ type: 'session', session: sessionHead(talk.store, talk.sessionId, tables)! });
  live?.broadcast({ type: 'notice', level: 'info', message: `This is now a ${SESSION_TYPE_LABELS[type]} session.` });
  sessionsChanged();
  log.info('Session type switched', { type });
}

connection.onRequest(SessionsListRequest.type, () => {
  const talk = startedConversation();
  return { sessions: talk.store.list(), current: talk.sessionId };
});

onRequest(connection, SessionsSearchRequest, ({ text, limit }) => startedConversation().store.search(text, limit));

onRequest(connection, SessionsOpenRequest, async ({ id }) => {
  const talk = startedConversation();
  const summary = talk.store.summary(id);
  if (!summary) throw new Error(`There is no session ${id} any more; the Sessions view lists those there are.`);
  if (id === talk.sessionId) return sessionHead(talk.store, id, tables)!;
  const session = await goOnIn(talk, id, Date.now() - (summary.endedAt - summary.startedAt));
  log.info('Session opened again', { type: session.type, turns: summary.turns });
  return session;
});

onRequest(connection, SessionsExportRequest, ({ id, format }) => {
  const exported = exportedSession(startedConversation().store, id, format);
  if (!exported) throw new Error(`There is no session ${id} any more; the Sessions view lists those there are.`);
  return exported;
});

onRequest(connection, SessionsDeleteRequest, async ({ id }) => {
  const talk = startedConversation();
  if (id === talk.sessionId) throw new Error('This is the session in progress: start another (Parley: New Session) or open an older one before deleting it.');
  if (!talk.store.delete(id)) throw new Error(`There is no session ${id} any more; the Sessions view lists those there are.`);
  await tables?.remove(id);
  sessionsChanged();
  log.info('Session deleted');
});

connection.onShutdown(async () => {
  await cells?.close();
  WhisperEngine.stopAll();
  knowledge?.dispose();
  await repoIndexes?.dispose();
  await live?.close();
  storage?.close();
});

connection.listen();
