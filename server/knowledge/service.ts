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
import type { KbSearchParams, KbStats } from '../../protocol/knowledge';
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
        if (!params.askModel) return { ...(await kb.searchTimed(params, controller.signal)), modelHelp };
        return { ...(await this.askModel(kb, params, settings, controller.signal)), modelHelp };
      }, token),
    );
    onRequest(connection, KbVoteRequest, ({ chunkId, vote }) => sidebarAnswer(async () => (await this.require()).vote(chunkId, vote)));
    onRequest(connection, KbCorrectRequest, ({ chunkId, text }) => sidebarAnswer(async () => (await this.require()).correct(chunkId, text)));
    onRequest(connection, KbAddTagRequest, ({ documentId, tag }) => sidebarAnswer(async () => ({ tags: (await this.require()).addTag(documentId, tag) })));
    onRequest(connection, KbDocumentVisibilityRequest, ({ documentId, visibility }) =>
      sidebarAnswer(async () => {
        (await this.require()).setVisibility(documentId, visibility);
        this.publish();
      }),
    );
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
