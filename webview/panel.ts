/**
 * The session panel: the conversation with a box to type in, and what the server reports about
 * itself and the providers. The composer is built once so re-rendering never loses what is typed.
 */
import { startView, type ViewModel } from './app';
import { h, icon } from './dom';
import { actions, connectionBadge, providersSection, storageSection, versionsSection } from './statusView';
import { transcriptView } from './transcript';

const header = h('header', { class: 'session-header' });
const notice = h('div', { class: 'notice', role: 'alert' });
const transcript = h('section', { class: 'transcript', 'aria-label': 'Conversation', 'aria-live': 'polite' });
const input = h('textarea', { id: 'composer-input', rows: '2', placeholder: 'Ask Parley… (Enter to send, Shift+Enter for a new line)', 'aria-label': 'Message to Parley' }) as HTMLTextAreaElement;
const sendButton = h('button', { type: 'submit', class: 'primary', title: 'Send (Enter)' }, icon('send'), ' Send') as HTMLButtonElement;
const stopButton = h('button', { type: 'button', title: 'Stop the answer (Escape)' }, icon('debug-stop'), ' Stop') as HTMLButtonElement;
const composer = h('form', { class: 'composer' }, input, h('div', { class: 'composer-actions' }, stopButton, sendButton));
const details = h('details', { class: 'server-details' }, h('summary', {}, 'Server and providers')) as HTMLDetailsElement;
document.getElementById('app')!.append(header, notice, transcript, composer, details);

let rendered = '';
let firstReport = true;

function render(model: ViewModel): void {
  header.replaceChildren(h('h1', {}, 'Parley Session'), connectionBadge(model.live, model.status));
  const llm = model.report?.providers.find((stage) => stage.stage === 'llm');
  const message = model.notice?.message ?? (llm && !llm.configured ? `No language model yet: ${llm.hint ?? ''}` : '');
  notice.className = `notice ${model.notice?.level ?? 'warning'}`;
  notice.replaceChildren(...(message ? [icon(model.notice?.level === 'error' ? 'error' : 'warning'), ` ${message}`] : []));
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  transcript.replaceChildren(...((model.turns?.length ?? 0) === 0 && !model.streaming ? [h('p', { class: 'empty' }, 'Ask about the code in front of you: "why is this test failing?"')] : transcriptView(model.turns ?? [], model.streaming)));
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  stopButton.hidden = !model.answering;
  sendButton.disabled = model.live.kind !== 'connected';
  // The server details change rarely; rebuild them only when the report does.
  const key = JSON.stringify(model.report ?? null);
  if (key !== rendered) {
    rendered = key;
    details.replaceChildren(h('summary', {}, 'Server and providers'), ...(model.report ? [providersSection(model.report, model.run), versionsSection(model.report), storageSection(model.report)] : []), actions(model.run));
    // Open at first when something needs setting up; after that the user decides.
    if (model.report && firstReport) {
      firstReport = false;
      details.open = !llm?.configured;
    }
  }
}

const model = startView(render);

function send(): void {
  const text = input.value.trim();
  if (!text || model.live.kind !== 'connected') return;
  model.send({ type: 'say', text });
  input.value = '';
}

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  } else if (event.key === 'Escape' && model.answering) {
    model.send({ type: 'cancel' });
  }
});
stopButton.addEventListener('click', () => model.send({ type: 'cancel' }));
