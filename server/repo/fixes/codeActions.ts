/**
 * Inline fixes over standard LSP: `textDocument/codeAction` lists "Fix with Parley" and "Explain
 * with Parley" on errors and warnings of every file, and `codeAction/resolve` computes the fix
 * only when the user picks it. The server keeps the editor's copy of open documents (incremental
 * sync) so a fix is made against what the user sees, unsaved changes included.
 *
 *   // in onInitialize:   const fixes = registerFixes(connection, { client: params.capabilities, settings, providers, log, ... });
 *   //                    return { capabilities: { ...fixes.capabilities } };
 *   // in onInitialized:  await fixes.registerWithClient();
 */
import {
  CodeActionKind,
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  MessageType,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type CancellationToken,
  type ClientCapabilities,
  type CodeActionRegistrationOptions,
  type Connection,
  type DocumentSelector,
  type ServerCapabilities,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParleySettings } from '../../../protocol/settings';
import { errorMessage, type Logger } from '../../log';
import type { ProviderRegistry } from '../../providers/registry';
import type { KnowledgeSearch } from '../../tools/types';
import { fixActions, isFixData, type FixData } from './actions';
import { FixRejected } from './edit';
import { Fixer, type FixerDeps } from './fixer';
import type { RelatedDefinitions } from './related';
import { requestEditorState } from '../../tools/lspContext';

/** Files on disk and unsaved new files: every language, since Parley's fixes are not tied to one. */
const DOCUMENTS: DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }];

const CODE_ACTIONS: CodeActionRegistrationOptions = { documentSelector: DOCUMENTS, codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true };

export interface FixesDeps {
  /** What the client said it supports in `initialize`. */
  client: ClientCapabilities;
  settings(): Promise<ParleySettings>;
  providers: ProviderRegistry;
  log: Logger;
  knowledge?: () => KnowledgeSearch | undefined;
  /** The server's repo maps, shared with the conversation and the review. */
  related: RelatedDefinitions;
  /** Syntax errors in a text (the parser threads), to reject fixes that break the file. */
  syntax?: FixerDeps['syntax'];
}

export interface Fixes {
  /** For the `initialize` result: what the client cannot be asked for later by registration. */
  capabilities: ServerCapabilities;
  /** Registers code actions and document sync with a client that allows it (once `initialized` has arrived). */
  registerWithClient(): Promise<void>;
}

/**
 * Parley's client declares no document selector (it is not one language's server), and
 * vscode-languageclient turns a static capability into a provider only for that selector. So
 * code actions and document sync are registered dynamically, with their own selector, when the
 * client allows it (VS Code does), and declared statically otherwise; never both, or a client with
 * a selector would list every action twice.
 */
function registrationPlan(client: ClientCapabilities) {
  const dynamic = {
    codeActions: client.textDocument?.codeAction?.dynamicRegistration === true,
    sync: client.textDocument?.synchronization?.dynamicRegistration === true,
  };
  const capabilities: ServerCapabilities = {
    ...(dynamic.codeActions ? {} : { codeActionProvider: CODE_ACTIONS }),
    ...(dynamic.sync ? {} : { textDocumentSync: TextDocumentSyncKind.Incremental }),
  };
  return { dynamic, capabilities };
}

/** Whether a request limited to some kinds (`context.only`) wants quick fixes at all. */
function wantsQuickFixes(only: readonly string[] | undefined): boolean {
  return !only || only.some((kind) => kind === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${kind}.`) || kind === CodeActionKind.Empty);
}

export function listFixes(params: CodeActionParams): CodeAction[] {
  if (!wantsQuickFixes(params.context.only)) return [];
  return fixActions(params.textDocument.uri, params.range, params.context.diagnostics);
}

export function registerFixes(connection: Connection, deps: FixesDeps): Fixes {
  const documents = new TextDocuments(TextDocument);
  documents.listen(connection);
  const fixer = new Fixer({
    settings: deps.settings,
    providers: deps.providers,
    log: deps.log,
    related: deps.related,
    ...(deps.syntax ? { syntax: deps.syntax } : {}),
    ...(deps.knowledge ? { knowledge: deps.knowledge } : {}),
    document: (uri) => {
      const document = documents.get(uri);
      return document && { text: document.getText(), version: document.version, languageId: document.languageId };
    },
    workspaceFolders: async () => (await requestEditorState(connection)).workspaceFolders,
  });

  connection.onCodeAction(listFixes);
  connection.onCodeActionResolve((action, token) =>
    isFixData(action.data) ? resolveFix(connection, fixer, deps.log, { ...action, data: action.data }, token) : action,
  );
  const plan = registrationPlan(deps.client);
  return {
    capabilities: plan.capabilities,
    registerWithClient: () => registerWithClient(connection, plan.dynamic),
  };
}

/** Computes the picked fix, with progress in the status bar; cancelled when VS Code cancels. */
async function resolveFix(
  connection: Connection,
  fixer: Fixer,
  log: Logger,
  action: CodeAction & { data: FixData },
  token: CancellationToken,
): Promise<CodeAction> {
  const controller = new AbortController();
  const cancel = token.onCancellationRequested(() => controller.abort());
  let progress: WorkDoneProgressServerReporter | undefined;
  try {
    progress = await connection.window.createWorkDoneProgress();
    progress.begin('Parley', undefined, 'Computing a fix…');
    const fix = await fixer.fix(action.data, controller.signal);
    log.info('Fix with Parley proposed an edit', { summary: fix.summary });
    return { ...action, edit: fix.edit };
  } catch (error) {
    return controller.signal.aborted ? action : failed(connection, log, action, error);
  } finally {
    progress?.done();
    cancel.dispose();
  }
}

/**
 * A fix that cannot be shown returns the action unchanged, marked disabled with the reason, and
 * the reason is shown: VS Code would otherwise apply nothing without a word.
 */
function failed(connection: Connection, log: Logger, action: CodeAction, error: unknown): CodeAction {
  const reason = error instanceof FixRejected ? error.message : `Fix with Parley failed: ${errorMessage(error)}`;
  if (error instanceof FixRejected) log.info('Fix with Parley proposed nothing', { reason });
  else log.error('Fix with Parley failed', { error: errorMessage(error) });
  // A notification, not window.showErrorMessage, which is a request that waits for a button.
  connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message: reason }).catch(() => undefined);
  return { ...action, disabled: { reason } };
}

async function registerWithClient(connection: Connection, dynamic: { codeActions: boolean; sync: boolean }): Promise<void> {
  const registrations: Promise<unknown>[] = [];
  if (dynamic.codeActions) registrations.push(connection.client.register(CodeActionRequest.type, CODE_ACTIONS));
  if (dynamic.sync) {
    registrations.push(
      connection.client.register(DidOpenTextDocumentNotification.type, { documentSelector: DOCUMENTS }),
      connection.client.register(DidChangeTextDocumentNotification.type, { documentSelector: DOCUMENTS, syncKind: TextDocumentSyncKind.Incremental }),
      connection.client.register(DidCloseTextDocumentNotification.type, { documentSelector: DOCUMENTS }),
    );
  }
  await Promise.all(registrations);
}
