/** The Knowledge Base sidebar. */
import { h } from './dom';
import { startView } from './app';
import { actions, connectionBadge, providersSection, versionsSection } from './statusView';

const app = document.getElementById('app')!;

startView((model) =>
  app.replaceChildren(
    h('header', {}, h('h1', {}, 'Knowledge Base'), connectionBadge(model.live, model.status)),
    ...(model.report
      ? [
          h('section', { 'aria-label': 'Index' }, h('h2', {}, 'Index'), h('dl', {}, h('div', { class: 'row' }, h('dt', {}, 'Database'), h('dd', { 'data-field': 'knowledgeDb' }, model.report.storage.knowledgeDb)))),
          providersSection(model.report, model.run, ['embeddings']),
          versionsSection(model.report),
        ]
      : []),
    actions(model.run),
  ),
);
