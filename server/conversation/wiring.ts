/**
 * Builds the conversation for the server: the session to continue, the model from the current
 * settings (kept while the settings stay the same, so each provider's circuit breaker remembers
 * its failures), and per turn the editor state, which gives both the context and the workspace
 * folders the tools are confined to.
 */
import type { Connection } from 'vscode-languageserver/node';
import { EditorStateRequest } from '../../protocol/lsp';
import type { ServerFrame } from '../../protocol/live';
import type { ParleySettings } from '../../protocol/settings';
import type { Logger } from '../log';
import type { Keys } from '../providers/keys';
import { createLlmStage, type LlmStage } from '../providers/llm';
import type { SessionStore } from '../sessions/store';
import { WorkspaceFolders } from '../tools/confine';
import { lspToolContext } from '../tools/lspContext';
import { BUILTIN_TOOLS } from '../tools/registry';
import type { KnowledgeSearch } from '../tools/types';
import { editorContext } from './context';
import { Conversation } from './conversation';

export interface ConversationWiring {
  connection: Connection;
  store: SessionStore;
  settings: () => Promise<ParleySettings>;
  keys: Keys;
  log: Logger;
  emit(frame: ServerFrame): void;
  /** The knowledge base for the search_knowledge_base tool, when it is available. */
  knowledge?: () => KnowledgeSearch | undefined;
}

export function createConversation(wiring: ConversationWiring): { conversation: Conversation; sessionId: string } {
  const { connection, store, keys, log } = wiring;
  const sessionId = store.latest()?.id ?? store.start();
  let cached: { key: string; stage: LlmStage } | undefined;
  const model = async () => {
    const settings = await wiring.settings();
    const key = JSON.stringify(settings.llm);
    if (cached?.key !== key) cached = { key, stage: createLlmStage(settings, keys, log) };
    return cached.stage;
  };
  const conversation = new Conversation({
    store,
    sessionId,
    tools: BUILTIN_TOOLS,
    emit: wiring.emit,
    log,
    async prepare() {
      const stage = await model();
      const state = await connection.sendRequest(EditorStateRequest.type);
      const folders = new WorkspaceFolders(state.workspaceFolders);
      const knowledge = wiring.knowledge?.();
      return { model: stage, context: editorContext(state, folders), toolContext: { ...lspToolContext(connection, folders), ...(knowledge ? { knowledge } : {}) } };
    },
  });
  return { conversation, sessionId };
}
