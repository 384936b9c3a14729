/**
 * The knowledge base inside the language server: built from the settings' embedder, answering
 * over LSP the extension's requests (add, sync, stats, visibility) and the sidebar's, which the
 * extension forwards (search, vote, correct, tag), and telling the client when the index changes.
 */
import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import {
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
  type WorkDoneProgressReporter,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import type { KbPassage, KbSearchAnswer, KbSearchParams, KbStats } from '../../protocol/knowledge';
import {
  KbAddNoteRequest,
  KbAddRequest,
  KbAddTagRequest,
  KbContributionsRequest,
  KbCorrectRequest,
  KbDocumentVisibilityRequest,
  KbRemoveSourceRequest,
  KbSearchRequest,
  KbSetVisibilityRequest,
  KbStatsRequest,
  KbSyncRequest,
  KbTeamDocumentRequest,
  KbTeamStatsRequest,
  KbVoteRequest,
} from '../../protocol/lsp';
import type { ParleySettings } from '../../protocol/settings';
import { errorMessage, type Logger } from '../log';
import { priceTable } from '../pricing';
import type { LlmChat } from '../providers/llm';
import { onRequest } from '../rpc';
import type { Keys } from '../providers/keys';
import type { KnowledgeSearch } from '../tools/types';
import { createEmbedder } from './embed';
import type { SyncProgress } from './indexer';
import { FeedbackError, KnowledgeBase } from './knowledgeBase';
import { searchWithModel } from './modelHelp';
import { TeamHub, TeamHubUnavailable } from './teamHub';

export interface KnowledgeServiceOptions {
  db: Database;
  file: string;
  globalDir: string;
  keys: Keys;
  log: Logger;
  /** The server's `dist/native` folder (onnxruntime's addon for a local embedding model). */
  nativeDir?: string;
  /** Called with fresh figures whenever the index changes. */
  onStats: (stats: KbStats) => void;
  /** The sidebar's "Ask the model": the settings of the moment, and the model they choose (throws when none is configured). */
  settings: () => Promise<ParleySettings>;
  llm: (settings: ParleySettings) => LlmChat;
}

const PHASES: Record<SyncProgress['phase'], string> = { scanning: 'Listing notes', indexing: 'Indexing', embedding: 'Embedding passages' };

export class KnowledgeService {
  private kb: KnowledgeBase | undefined;
  /** The team hub of parley.hub.url, with the user's token; undefined when none is set. */
  private hub: TeamHub | undefined;
  /** Why there is no hub though parley.hub.url is set (no token yet). */
  /** Why the team hub set in parley.hub.url is not connected, and its address. */
  private hubMissing: { url: string; reason: string } | undefined;
  private unavailable = 'The knowledge base is starting.';
  private embeddings: string | undefined;
  /** Settles when the first configuration is done, so requests made during start-up wait for it. */
  private readonly started: Promise<void>;
  private markStarted!: () => void;

  constructor(private readonly options: KnowledgeServiceOptions) {
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  /** (Re)builds the knowledge base when the embeddings settings change; re-embeds with progress if needed. */
  async configure(settings: ParleySettings['embeddings'], progress?: () => Promise<WorkDoneProgressServerReporter>): Promise<void> {
    const key = JSON.stringify(settings);
    if (key === this.embeddings && this.kb) return;
    this.embeddings = key;
    const { db, file, globalDir, log } = this.options;
    try {
      const embedder = await createEmbedder(settings, { keys: this.options.keys, log, nativeDir: this.options.nativeDir });
      this.kb?.dispose();
      this.kb = new KnowledgeBase({ db, file, embedder, log, notesDir: join(globalDir, 'notes'), watch: true, onChange: () => this.publish() });
    } catch (error) {
      this.kb?.dispose();
      this.kb = undefined;
      this.unavailable = `The knowledge base cannot embed passages: ${errorMessage(error)}`;
      log.error(this.unavailable);
      return;
    } finally {
      this.markStarted();
    }
    const kb = this.kb;
    const reporter = await progress?.().catch(() => undefined);
    await this.withProgress(reporter, 'Parley: updating the knowledge base', (onProgress, signal) => kb.syncAll({ onProgress, signal }));
    this.publish();
    await kb.warmUp().catch((error: unknown) => log.warn('The knowledge base could not prepare its vectors for fast search', { error: errorMessage(error) }));
  }

  /** The knowledge base, once start-up has built it; an error saying why when it could not be built. */
  private async require(): Promise<KnowledgeBase> {
    await this.started;
    if (!this.kb) throw new Error(this.unavailable);
    return this.kb;
  }

  /** The assistant's view: search only, and only while the knowledge base is available. */
  forTools(): KnowledgeSearch | undefined {
    const kb = this.kb;
    return kb ? { search: (query, k, signal, meter) => kb.search({ query, k, signal, ...(meter ? { meter } : {}) }) } : undefined;
  }

  private publish(): void {
    if (this.kb) this.options.onStats(this.kb.stats());
    this.hub?.schedule();
  }

  /**
   * Connects to the team hub at `url` (parley.hub.url) with the token of Parley: Connect to Team
   * Hub, and brings it up to date with the shared notes; an empty url disconnects.
   */
  connectHub(url: string): void {
    const token = this.options.keys.get('hub');
    if (this.hub?.url === url.replace(/\/+$/, '') && url) return;
    this.hub?.dispose();
    this.hub = undefined;
    this.hubMissing = url && !token ? { url: url.replace(/\/+$/, ''), reason: 'no token for the team hub yet: run Parley: Connect to Team Hub' } : undefined;
    if (!url || !token) return;
    this.hub = new TeamHub({ url, token, db: this.options.db, log: this.options.log });
    this.options.log.info('Team hub connected', { hub: this.hub.url });
    this.hub.schedule();
  }

  /** Brings the team hub up to date now (tests; the sidebar's Sync). */
  syncHub() {
    return this.hub?.sync();
  }

  /** A sidebar search in the scope asked for: the user's notes, the team hub's, or both. */
  private async scopedSearch(kb: KnowledgeBase, params: KbSearchParams, signal: AbortSignal): Promise<Omit<KbSearchAnswer, 'modelHelp'>> {
    const scope = params.team ?? 'mine';
    const mine = scope === 'team' ? undefined : kb.searchTimed(params, signal);
    if (scope === 'mine') return { ...(await mine!), ...(this.hub || this.hubMissing ? { team: this.teamState() } : {}) };
    const started = performance.now();
    let team: KbPassage[] = [];
    let state: KbSearchAnswer['team'];
    if (!this.hub) state = { state: 'unavailable', reason: this.hubMissing?.reason ?? 'no team hub is set (parley.hub.url): run Parley: Connect to Team Hub' };
    else {
      try {
        team = await this.hub.search(params.query, params.k ?? 10, signal);
        state = { state: 'searched', passages: team.length };
      } catch (error) {
        if (signal.aborted) throw error;
        state = { state: 'unavailable', reason: error instanceof TeamHubUnavailable ? error.message : errorMessage(error) };
      }
    }
    if (scope === 'team') return { passages: team, tookMs: performance.now() - started, team: state };
    const own = await mine!;
    // The user's own shared notes are in their knowledge base already; the rest is interleaved by rank.
    const others = team.filter((passage) => !passage.team?.mine);
    return { passages: interleave(own.passages, others, params.k ?? 10), tookMs: performance.now() - started, team: state };
  }

  private teamState(): KbSearchAnswer['team'] {
    if (!this.hub) return { state: 'unavailable', reason: this.hubMissing?.reason ?? 'no team hub is set' };
    return this.hub.lastProblem ? { state: 'unavailable', reason: this.hub.lastProblem } : { state: 'connected' };
  }

  register(connection: Connection): void {
    onRequest(connection, KbAddRequest, async (params, token) => {
      const kb = await this.require();
      const result = await this.withProgress(
        connection.window.attachWorkDoneProgress(params.workDoneToken),
        `Parley: adding ${params.path}`,
        (onProgress, signal) => kb.add(params.path, { onProgress, signal }),
        token,
      );
      this.publish();
      return result;
    });
    onRequest(connection, KbAddNoteRequest, async (params) => {
      const added = await (await this.require()).addNote(params.title, params.text);
      this.publish();
      return added;
    });
    onRequest(connection, KbSyncRequest, async (params, token) => {
      const kb = await this.require();
      await this.withProgress(
        connection.window.attachWorkDoneProgress(params.workDoneToken),
        'Parley: syncing the knowledge base',
        (onProgress, signal) => kb.syncAll({ onProgress, signal }),
        token,
      );
      return kb.stats();
    });
    connection.onRequest(KbStatsRequest.type, async () => (await this.require()).stats());
    connection.onRequest(KbTeamStatsRequest.type, async () => {
      if (!this.hub) return this.hubMissing ? { hub: this.hubMissing.url, unavailable: this.hubMissing.reason } : { hub: null };
      try {
        return { hub: this.hub.url, stats: await this.hub.stats() };
      } catch (error) {
        return { hub: this.hub.url, unavailable: errorMessage(error) };
      }
    });
    connection.onRequest(KbContributionsRequest.type, async () => (await this.require()).contributions());
    onRequest(connection, KbSetVisibilityRequest, async (params) => {
      const kb = await this.require();
      const document = kb.store.documentAt(params.path);
      if (!document) throw new FeedbackError(`${params.path} is not in the knowledge base. Add its folder or the file first.`);
      kb.setVisibility(document.id, params.visibility);
      this.publish();
      return { title: document.title };
    });
    onRequest(connection, KbRemoveSourceRequest, async (params) => {
      const kb = await this.require();
      kb.removeSource(params.sourceId);
      // The sidebar's figures change, and the source's shared notes leave the team hub.
      this.publish();
      return kb.stats();
    });
    this.registerSidebar(connection);
  }

  /** The sidebar's requests: their messages are shown in the sidebar as they are, without the method's name. */
  private registerSidebar(connection: Connection): void {
    onRequest(connection, KbSearchRequest, (params, token) =>
      sidebarAnswer(async () => {
        const kb = await this.require();
        const controller = new AbortController();
        // The sidebar cancels a search that a newer one replaced.
        token.onCancellationRequested(() => controller.abort());
        const settings = await this.options.settings();
        const modelHelp = settings.knowledgeBase.modelHelp;
        if (!params.askModel) return { ...(await this.scopedSearch(kb, params, controller.signal)), modelHelp };
        return { ...(await this.askModel(kb, params, settings, controller.signal)), modelHelp };
      }, token),
    );
    onRequest(connection, KbVoteRequest, ({ chunkId, vote, team }) =>
      sidebarAnswer(async () => (team ? this.requireHub().vote(chunkId, vote) : (await this.require()).vote(chunkId, vote))),
    );
    onRequest(connection, KbCorrectRequest, ({ chunkId, text, team }) =>
      sidebarAnswer(async () => (team ? this.requireHub().correct(chunkId, text) : (await this.require()).correct(chunkId, text))),
    );
    onRequest(connection, KbTeamDocumentRequest, ({ documentId }) => sidebarAnswer(() => this.requireHub().document(documentId)));
    onRequest(connection, KbAddTagRequest, ({ documentId, tag }) => sidebarAnswer(async () => ({ tags: (await this.require()).addTag(documentId, tag) })));
    onRequest(connection, KbDocumentVisibilityRequest, ({ documentId, visibility }) =>
      sidebarAnswer(async () => {
        (await this.require()).setVisibility(documentId, visibility);
        this.publish();
      }),
    );
  }

  private requireHub(): TeamHub {
    if (!this.hub) throw new Error(`The team hub is not connected: ${this.hubMissing?.reason ?? 'run Parley: Connect to Team Hub'}.`);
    return this.hub;
  }

  /** The search again with the language model's help (server/knowledge/modelHelp.ts). */
  private async askModel(kb: KnowledgeBase, params: KbSearchParams, settings: ParleySettings, signal: AbortSignal) {
    const { modelHelp: mode, modelPassages } = settings.knowledgeBase;
    if (mode === 'off') throw new Error('Asking the model is off: turn on parley.knowledgeBase.modelHelp in Settings to have it rank these passages.');
    let chat: LlmChat;
    try {
      chat = this.options.llm(settings);
    } catch (error) {
      throw new Error(`There is no language model to ask: ${errorMessage(error)}`);
    }
    const startedAt = performance.now();
    const { passages, report } = await searchWithModel(params.query, {
      mode,
      chat,
      search: (query, k, searchSignal) => kb.search({ query, k, filters: params.filters, signal: searchSignal }),
      texts: (ids) => kb.store.passageTexts(ids),
      passages: modelPassages,
      k: params.k ?? modelPassages,
      prices: priceTable(settings.pricing),
      signal,
    });
    if (report.problem) this.options.log.warn('The model could not help with a knowledge-base search', { problem: report.problem });
    return { passages, tookMs: performance.now() - startedAt, model: report };
  }

  /** Runs a sync with work-done progress (a cancellable notification in VS Code) when the client offers one. */
  private async withProgress<T>(
    progress: WorkDoneProgressReporter | WorkDoneProgressServerReporter | undefined,
    title: string,
    work: (onProgress: (progress: SyncProgress) => void, signal: AbortSignal) => Promise<T>,
    token?: CancellationToken,
  ): Promise<T> {
    const controller = new AbortController();
    // A request's own token cancels when the client cancels it; a server-made progress has its own.
    token?.onCancellationRequested(() => controller.abort());
    if (progress && 'token' in progress) progress.token.onCancellationRequested(() => controller.abort());
    progress?.begin(title, 0, undefined, true);
    try {
      return await work(
        (p) => progress?.report(p.total ? Math.round((100 * p.done) / p.total) : 0, `${PHASES[p.phase]} ${p.total ? `${p.done}/${p.total}` : ''}`.trim()),
        controller.signal,
      );
    } finally {
      progress?.done();
    }
  }

  dispose(): void {
    this.hub?.dispose();
    this.kb?.dispose();
  }
}

/**
 * Runs a sidebar request: a failure answers with its own message (the sidebar shows it), a
 * cancelled search with RequestCancelled (the sidebar has moved on and shows nothing of it).
 */
async function sidebarAnswer<T>(work: () => Promise<T>, token?: CancellationToken): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'A newer search replaced this one.');
    throw new ResponseError(LSPErrorCodes.RequestFailed, errorMessage(error));
  }
}

/** `a` and `b` merged by rank (the first of each, then the second of each…): their scores are on different scales. */
function interleave(a: readonly KbPassage[], b: readonly KbPassage[], k: number): KbPassage[] {
  const merged: KbPassage[] = [];
  for (let i = 0; merged.length < k && (i < a.length || i < b.length); i++) {
    if (i < a.length) merged.push(a[i]!);
    if (i < b.length && merged.length < k) merged.push(b[i]!);
  }
  return merged;
}
