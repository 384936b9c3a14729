/**
 * Builds the conversation for the server: the session to continue, the model the current
 * settings choose (the server's, from providers/registry.ts), and per turn the editor state, which gives both the context and the workspace
 * folders the tools are confined to.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { ServerFrame } from '../../protocol/live';
import type { ParleySettings } from '../../protocol/settings';
import { sep } from 'node:path';
import { errorMessage, type Logger } from '../log';
import { isWorkspaceTrusted } from '../process/trust';
import type { ProviderRegistry } from '../providers/registry';
import type { SessionStore } from '../sessions/store';
import { WorkspaceFolders } from '../tools/confine';
import { lspToolContext, requestEditorState } from '../tools/lspContext';
import type { HandsDeps } from '../tools/builtin/runCommand';
import { BUILTIN_TOOLS, handsTools } from '../tools/registry';
import type { KnowledgeSearch } from '../tools/types';
import { REPO_MAP_WAIT_MS } from './context';
import { Conversation } from './conversation';
import { sessionContext } from './sessionTypes';
import { priceTable } from '../pricing';

export interface ConversationWiring {
  connection: Connection;
  store: SessionStore;
  settings: () => Promise<ParleySettings>;
  providers: ProviderRegistry;
  log: Logger;
  emit(frame: ServerFrame): void;
  /** The knowledge base for the search_knowledge_base tool, when it is available. */
  knowledge?: () => KnowledgeSearch | undefined;
  /** The repository map around a file of a workspace folder, '' when it is not ready in time. */
  repoMap?: (folder: string, path: string, waitMs: number) => Promise<string>;
  /** A Log Analysis session's transcript as a table the REPL can load, when it has one. */
  transcriptTable?: (sessionId: string) => string | undefined;
  /** Approvals and limits for the tools that run commands; without them the assistant runs nothing. */
  hands?: HandsDeps;
}

/** What the model knows in Restricted Mode, so that asked to run something it says why it cannot. */
export const RESTRICTED_MODE =
  "\n\n## Restricted Mode\nThe user has not trusted this workspace, so Parley runs no commands and no code here: there are no tools for it. If asked to run something, say so, and that trusting the workspace (VS Code's Restricted Mode banner) allows it.";

export function createConversation(wiring: ConversationWiring): { conversation: Conversation; sessionId: string } {
  const { connection, store, providers, log } = wiring;
  const sessionId = store.latest()?.id ?? store.start();
  const conversation = new Conversation({
    store,
    sessionId,
    tools: wiring.hands ? [...BUILTIN_TOOLS, ...handsTools(wiring.hands)] : BUILTIN_TOOLS,
    emit: wiring.emit,
    log,
    async prepare(current) {
      const settings = await wiring.settings();
      const stage = providers.llm(settings);
      const state = await requestEditorState(connection);
      const folders = new WorkspaceFolders(state.workspaceFolders);
      const knowledge = wiring.knowledge?.();
      const repoMap = await repoMapFor(wiring, state.activeEditor?.path, folders);
      const session = store.info(current);
      const sessionType = session?.type ?? 'coding';
      const records = wiring.transcriptTable?.(current);
      const context =
        sessionContext({ type: sessionType, brief: session?.brief, records, state, folders, repoMap }) + (isWorkspaceTrusted() ? '' : RESTRICTED_MODE);
      const aroundFile = wiring.repoMap && ((path: string) => repoMapOf(wiring, path, folders));
      return {
        model: stage,
        prices: priceTable(settings.pricing),
        context,
        sessionType,
        toolContext: {
          ...lspToolContext(connection, folders),
          ...(knowledge ? { knowledge } : {}),
          ...(aroundFile ? { repoMap: aroundFile } : {}),
          ...(records ? { transcriptTable: records } : {}),
        },
      };
    },
  });
  return { conversation, sessionId };
}

/** The map around the active file, when it lies in a workspace folder. */
async function repoMapFor(wiring: ConversationWiring, active: string | undefined, folders: WorkspaceFolders): Promise<string> {
  if (!active) return '';
  try {
    return await repoMapOf(wiring, active, folders);
  } catch (error) {
    wiring.log.warn('The repository map is not available for this turn', { error: errorMessage(error) });
    return '';
  }
}

/** The map around a file of a workspace folder; '' outside them or before the index is ready in time. */
async function repoMapOf(wiring: ConversationWiring, path: string, folders: WorkspaceFolders): Promise<string> {
  const folder = folders.folders.find((root) => path === root || path.startsWith(root + sep));
  if (!wiring.repoMap || !folder) return '';
  return wiring.repoMap(folder, path, REPO_MAP_WAIT_MS);
}
