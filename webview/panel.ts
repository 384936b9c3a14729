/** The session panel. */
import { h } from './dom';
import { startView } from './app';
import { actions, connectionBadge, providersSection, storageSection, versionsSection } from './statusView';

startView((model) => [
  h('header', {}, h('h1', {}, 'Parley Session'), connectionBadge(model.live, model.status)),
  ...(model.report ? [providersSection(model.report, model.run), versionsSection(model.report), storageSection(model.report)] : []),
  actions(model.run),
]);
