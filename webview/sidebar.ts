/**
 * The Knowledge Base sidebar: search first (it keeps its focus and results while the rest
 * re-renders), then the index figures, the add actions and the embedder's configuration.
 */
import { Commands } from '../protocol/commands';
import { startView } from './app';
import { h } from './dom';
import { KnowledgeSearch, indexStatus } from './knowledge';
import { button, connectionBadge, providersSection } from './statusView';

const app = document.getElementById('app')!;
const header = h('header', {});
const details = h('div', { class: 'kb-details' });

const model = startView(
  (current) => {
    header.replaceChildren(h('h1', {}, 'Knowledge Base'), connectionBadge(current.live, current.status));
    details.replaceChildren(
      indexStatus(current.kbStats, current.report?.storage.knowledgeDb),
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
  },
  { onKb: (answer) => search.receive(answer) },
);

const search = new KnowledgeSearch({
  send: (id, request) => model.send({ type: 'kb', id, request }),
  openNote: (path, line) => model.openNote(path, line),
});
app.replaceChildren(header, search.element, details);
search.focus();
