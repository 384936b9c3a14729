/**
 * The Knowledge Base sidebar: search first (it keeps its focus and results while the rest
 * re-renders), then the index figures, the add actions and the embedder's configuration. Its
 * knowledge-base requests and figures travel as LSP messages through the extension (rpc.ts).
 */
import { Commands } from '../protocol/commands';
import type { KbStats } from '../protocol/knowledge';
import { KbStatsNotification, KbStatsRequest } from '../protocol/lsp';
import { startView, type ViewModel, type ViewState } from './app';
import { h } from './dom';
import { KnowledgeSearch, indexStatus } from './knowledge';
import { connectRpc } from './rpc';
import { button, connectionBadge, providersSection } from './statusView';
import { connectHost } from './vscodeApi';

const app = document.getElementById('app')!;
const header = h('header', {});
const details = h('div', { class: 'kb-details' });
const host = connectHost<ViewState>();
const rpc = connectRpc(host);
/** The knowledge base's figures, as the server last sent them. */
let stats: KbStats | undefined;

function render(current: ViewModel): void {
  header.replaceChildren(h('h1', {}, 'Knowledge Base'), connectionBadge(current.live, current.status));
  details.replaceChildren(
    indexStatus(stats, current.report?.storage.knowledgeDb),
    h(
      'div',
      { class: 'actions', role: 'toolbar', 'aria-label': 'Add to the knowledge base' },
      button('new-folder', 'Add Folder', () => current.run(Commands.kbAddFolder)),
      button('new-file', 'Add File', () => current.run(Commands.kbAddFile)),
      button('add', 'Add Selection', () => current.run(Commands.kbAddSelection)),
      button('sync', 'Sync', () => current.run(Commands.kbSync)),
      button('graph', 'Stats', () => current.run(Commands.kbStats)),
      button('person', 'My Contributions', () => current.run(Commands.kbContributions)),
    ),
    ...(current.report ? [providersSection(current.report, current.run, ['embeddings'])] : []),
  );
}

function showStats(figures: KbStats): void {
  stats = figures;
  render(model);
}

// A (re)started server holds the figures: ask for them then; changes follow as notifications. A
// server that cannot answer shows as such in the connection badge, so a failure here adds nothing.
const model = startView(render, { onConnect: () => void rpc.sendRequest(KbStatsRequest.type).then(showStats, () => undefined) }, host);
rpc.onNotification(KbStatsNotification.type, showStats);

const search = new KnowledgeSearch({ rpc, openNote: (path, line, teamDocument) => model.openNote(path, line, teamDocument) });
app.replaceChildren(header, search.element, details);
search.focus();
