/**
 * The session panel: the conversation with a box to type in, and what the server reports about
 * itself and the providers. The composer is built once so re-rendering never loses what is typed.
 */
import { budgetLevel, usdText, SESSION_TYPE_LABELS, SESSION_TYPES, type SessionType } from '../protocol/session';
import { VOICE_COMMANDS } from '../protocol/voiceCommands';
import type { CaptureChoice } from '../protocol/webview';
import { startView, type ViewModel } from './app';
import { MicrophoneCapture } from './audio/capture';
import { Playback } from './audio/playback';
import { h, icon } from './dom';
import { actions, connectionBadge, programsSection, providersSection, storageSection, versionsSection } from './statusView';
import { allowedCommandsSection, Cards, cellInput, isCardFrame } from './cards';
import { transcriptView } from './transcript';

const header = h('header', { class: 'session-header' });
/** The session's type, which the user can switch: built once so a re-render keeps its focus. */
const typeMenu = h(
  'select',
  { class: 'session-type', 'data-field': 'sessionType', 'aria-label': 'Session type', title: 'What this session is for: its instructions, context and tools' },
  ...SESSION_TYPES.map((type) => h('option', { value: type }, SESSION_TYPE_LABELS[type])),
) as HTMLSelectElement;
typeMenu.addEventListener('change', () => model.send({ type: 'sessionType', sessionType: typeMenu.value as SessionType }));
typeMenu.hidden = true;
/** The time left and the connection, re-rendered beside the menu. */
const timeSlot = h('span');
const connectionSlot = h('div');
header.append(h('h1', {}, 'Parley Session'), typeMenu, timeSlot, connectionSlot);
const notice = h('div', { class: 'notice', role: 'alert' });
const transcript = h('section', { class: 'transcript', 'aria-label': 'Conversation', 'aria-live': 'polite' });
const input = h('textarea', {
  id: 'composer-input',
  rows: '2',
  placeholder: 'Ask Parley… (Enter to send, Shift+Enter for a new line)',
  'aria-label': 'Message to Parley',
}) as HTMLTextAreaElement;
const sendButton = h('button', { type: 'submit', class: 'primary', title: 'Send (Enter)' }, icon('send'), ' Send') as HTMLButtonElement;
const stopButton = h('button', { type: 'button', title: 'Stop the answer (Escape)' }, icon('debug-stop'), ' Stop') as HTMLButtonElement;
const micButton = h(
  'button',
  { type: 'button', id: 'mic', title: 'Start listening (Ctrl+Alt+Space)', 'aria-pressed': 'false' },
  icon('mic'),
  ' Listen',
) as HTMLButtonElement;
const muteButton = h(
  'button',
  { type: 'button', id: 'mute', title: 'Mute the microphone', 'aria-pressed': 'false', hidden: '' },
  icon('mute'),
  ' Mute',
) as HTMLButtonElement;
const meter = h('meter', { id: 'level', min: '0', max: '1', value: '0', 'aria-label': 'Microphone level', hidden: '' }) as HTMLMeterElement;
const partial = h('p', { class: 'partial', 'data-field': 'partial', 'aria-live': 'polite' });
const composer = h(
  'form',
  { class: 'composer' },
  partial,
  input,
  h('div', { class: 'composer-actions' }, micButton, muteButton, meter, h('span', { class: 'spacer' }), stopButton, sendButton),
);
const details = h('details', { class: 'server-details' }, h('summary', {}, 'Server and providers')) as HTMLDetailsElement;
const cards = new Cards((frame) => {
  model.send(frame);
  // Ticking "always allow" changes the list the panel shows.
  if (frame.type === 'approve' && frame.always) model.send({ type: 'allowedCommands', action: 'list' });
});
const allowed = h('details', { class: 'allowed-commands' }, h('summary', {}, 'Always allowed commands')) as HTMLDetailsElement;
/** What can be said to the voice itself, from the list the server recognises (protocol/voiceCommands.ts). */
const voiceHelp = h(
  'details',
  { class: 'voice-help', 'data-field': 'voiceCommands' },
  h('summary', {}, 'Voice commands'),
  h('p', { class: 'hint' }, 'Said on their own, these go to the voice, not the model; over an answer they act as soon as they are heard.'),
  h('ul', {}, ...Object.values(VOICE_COMMANDS).map(({ says, does }) => h('li', {}, h('q', {}, says[0]), ' or ', h('q', {}, says[1]), ` — ${does}`))),
);
const repl = cellInput((language, code) => model.send({ type: 'cell', language, code }));
/** A Log Analysis session's transcript, loaded as the table `records` in a Python cell the user can see and edit after. */
const loadRecords = h(
  'button',
  { type: 'button', 'data-action': 'load-records', title: "Load the Claude Code transcript's records as a table (records) in a Python cell", hidden: '' },
  icon('table'),
  ' Load transcript records',
) as HTMLButtonElement;
repl.querySelector('.composer-actions')!.prepend(loadRecords);
loadRecords.addEventListener('click', () => {
  const records = model.session?.records;
  if (!records) return;
  (repl.querySelector('[data-field="cell-code"]') as HTMLTextAreaElement).value = records.code;
  (repl.querySelector('[data-field="cell-language"]') as HTMLSelectElement).value = 'python';
  model.send({ type: 'cell', language: 'python', code: records.code });
});
document.getElementById('app')!.append(header, notice, transcript, cards.element, repl, composer, voiceHelp, allowed, details);

let rendered = '';
// Declared before the first render, which reads them.
let talking = false;
let reviewingSpeech = false;
const pushToTalk = (view: ViewModel) => view.report?.voice.mode === 'pushToTalk';
let firstReport = true;
let replOpenedFor: string | undefined;

/** The session's time left, when it has a limit: "42 min left", warning in its last 5 minutes, "Time is up" at the end. */
function timeLeft(model: ViewModel): HTMLElement[] {
  const time = model.sessionTime;
  if (!time?.endsAt) return [];
  const minutes = Math.max(0, Math.ceil((time.endsAt - Date.now()) / 60_000));
  const text = time.state === 'ended' ? 'Time is up' : `${minutes} min left`;
  return [h('span', { class: `session-time ${time.state}`, 'data-field': 'sessionTime', role: 'timer', 'aria-live': 'polite' }, text)];
}

/** What the session has cost, against its budget when it has one: "$0.0123", "$0.41 of $0.50" (warning from 80%). */
function sessionCost(model: ViewModel): HTMLElement[] {
  const cost = model.sessionCost;
  if (!cost || (cost.costUsd === null && cost.budgetUsd === null)) return [];
  const spent = cost.costUsd ?? 0;
  const level = cost.budgetUsd === null ? '' : budgetLevel(spent, cost.budgetUsd);
  const text = cost.budgetUsd === null ? usdText(spent) : `${usdText(spent)} of ${usdText(cost.budgetUsd)}`;
  const title = cost.budgetUsd === null ? 'What this session has cost so far' : 'What this session has cost so far, of its budget (parley.sessions.budgetUsd)';
  return [h('span', { class: `session-cost ${level}`, 'data-field': 'sessionCost', title }, text)];
}

// The time left counts down between frames; a re-render each 15 s keeps it current.
setInterval(() => {
  if (model.sessionTime?.endsAt && model.sessionTime.state !== 'ended') render(model);
}, 15_000);

function render(model: ViewModel): void {
  if (model.session) typeMenu.value = model.session.type;
  typeMenu.hidden = !model.session;
  loadRecords.hidden = !model.session?.records;
  // A Log Analysis session opens the REPL once, so its records are a click away.
  if (model.session?.records && replOpenedFor !== model.session.id) {
    replOpenedFor = model.session.id;
    (repl as HTMLDetailsElement).open = true;
  }
  typeMenu.disabled = model.live.kind !== 'connected';
  timeSlot.replaceChildren(...timeLeft(model), ...sessionCost(model));
  connectionSlot.replaceChildren(connectionBadge(model.live, model.status));
  const llm = model.report?.providers.find((stage) => stage.stage === 'llm');
  const message = model.notice?.message ?? (llm && !llm.configured ? `No language model yet: ${llm.hint ?? ''}` : '');
  notice.className = `notice ${model.notice?.level ?? 'warning'}`;
  notice.replaceChildren(...(message ? [icon(model.notice?.level === 'error' ? 'error' : 'warning'), ` ${message}`] : []));
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  transcript.replaceChildren(
    ...((model.turns?.length ?? 0) === 0 && !model.streaming
      ? [h('p', { class: 'empty' }, 'Ask about the code in front of you: "why is this test failing?"')]
      : transcriptView(model.turns ?? [], model.streaming, model.openNote)),
  );
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  stopButton.hidden = !model.answering;
  sendButton.disabled = model.live.kind !== 'connected';
  const listening = model.capture.state === 'listening';
  const holdLabel = talking ? ' Talking… (release to send)' : ' Hold to talk';
  micButton.replaceChildren(
    icon(listening ? 'mic-filled' : 'mic'),
    pushToTalk(model) ? holdLabel : listening ? ' Stop listening' : model.capture.state === 'starting' ? ' Starting…' : ' Listen',
  );
  micButton.title = listening
    ? `Listening through ${model.capture.source === 'native' ? `the system microphone (${model.capture.device ?? 'recorder'})` : 'this window'}; click to stop`
    : 'Start listening (Ctrl+Alt+Space)';
  micButton.setAttribute('aria-pressed', String(listening));
  // In push-to-talk the button must keep getting pointer events while listening starts.
  micButton.disabled = model.live.kind !== 'connected' || (!pushToTalk(model) && model.capture.state === 'starting');
  // Mute and the level meter act on the webview's own microphone.
  muteButton.hidden = !listening || model.capture.source !== 'webview';
  meter.hidden = !listening || model.capture.source !== 'webview';
  partial.textContent = listening && model.partial ? model.partial : '';
  // The server ended the capture (or could not start it): release the microphone and say why.
  if (model.capture.state === 'off' && microphone.active) void microphone.stop();
  if (model.capture.state === 'off' && model.capture.reason) {
    model.notice = { level: 'error', message: `Listening stopped: ${model.capture.reason}` };
    model.capture = { state: 'off' };
    render(model);
  }
  // The server details change rarely; rebuild them only when the report does.
  const key = JSON.stringify(model.report ?? null);
  if (key !== rendered) {
    rendered = key;
    details.replaceChildren(
      h('summary', {}, 'Server and providers'),
      ...(model.report
        ? [providersSection(model.report, model.run), programsSection(model.report), versionsSection(model.report), storageSection(model.report)]
        : []),
      actions(model.run),
    );
    // Open at first when something needs setting up; after that the user decides.
    if (model.report && firstReport) {
      firstReport = false;
      details.open = !llm?.configured;
    }
  }
}

const playback = new Playback((report) => {
  model.send(report);
  document.body.dataset.playedMs = String(Math.round(report.playedMs));
});
const microphone = new MicrophoneCapture(document.body.dataset.worklet ?? '', {
  onFrame: (pcm) => model.sendAudio(pcm),
  onLevel: (level) => (meter.value = Math.min(1, level * 4)),
});

const model = startView(render, {
  onAudio: (pcm, sampleRate) => {
    playback.play(pcm, sampleRate);
    document.body.dataset.receivedMs = String(Math.round(playback.receivedMs));
  },
  onPlayback: (frame) => playback.command(frame),
  onToggleListening: () => void (pushToTalk(model) ? toggleTalking() : toggleListening()),
  onEditableTranscript: (text) => {
    // Push-to-talk: the user reviews what was heard; Enter sends it to be answered aloud.
    input.value = text;
    reviewingSpeech = true;
    input.focus();
    model.notice = { level: 'info', message: 'Check what Parley heard, edit it if needed, and press Enter to send.' };
    render(model);
  },
  onDisconnect: () => void stopListening(),
  onCaptureChoice: (choice) => void listenThrough(choice),
  onFrame: (frame) => {
    if (isCardFrame(frame)) cards.apply(frame);
    else if (frame.type === 'allowedCommands')
      allowed.replaceChildren(
        allowed.firstChild!,
        allowedCommandsSection(frame.commands, (argv) => model.send({ type: 'allowedCommands', action: 'remove', argv })),
      );
  },
  onConnect: () => model.send({ type: 'allowedCommands', action: 'list' }),
});

/**
 * Starts listening through what the extension chooses (extension/captureChoice.ts): the panel's
 * own microphone, the system microphone recorded by the server, or the browser capture page. The
 * server's answer sets the state, or says why it cannot listen.
 */
function startListening(): void {
  model.capture = { state: 'starting' };
  render(model);
  model.chooseCapture();
}

/** Starts what the extension chose; if the panel's microphone does not start, says why and lets it choose again. */
async function listenThrough(choice: CaptureChoice): Promise<void> {
  // The user stopped (or the connection dropped) while the extension was choosing.
  if (model.capture.state !== 'starting') return;
  if (choice.start === 'webview') {
    try {
      await microphone.start();
    } catch (error) {
      await microphone.stop();
      return model.chooseCapture(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }
  if (choice.notice) model.notice = { level: choice.start === 'none' ? 'error' : 'info', message: choice.notice };
  if (choice.start === 'webview' || choice.start === 'native') model.send({ type: 'capture', action: 'start', source: choice.start });
  else model.capture = { state: 'off' };
  render(model);
}

async function stopListening(): Promise<void> {
  await microphone.stop();
  if (model.capture.state !== 'off') model.send({ type: 'capture', action: 'stop' });
  model.capture = { state: 'off' };
  render(model);
}

function toggleListening(): Promise<void> {
  if (model.capture.state !== 'off') return stopListening();
  startListening();
  return Promise.resolve();
}

/** Push-to-talk: the turn lasts while the button is held (or between two presses of the keybinding). */
async function setTalking(pressed: boolean): Promise<void> {
  if (pressed === talking) return;
  talking = pressed;
  if (pressed && model.capture.state === 'off') {
    startListening();
    // The server opens the voice session asynchronously; a press before that would be lost.
    const listening = () => (model.capture.state as string) === 'listening';
    for (let waited = 0; !listening() && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  micButton.classList.toggle('talking', pressed);
  model.send({ type: 'talk', pressed });
}

function toggleTalking(): Promise<void> {
  return setTalking(!talking);
}

micButton.addEventListener('click', () => {
  if (!pushToTalk(model)) void toggleListening();
});
micButton.addEventListener('pointerdown', () => {
  if (pushToTalk(model)) void setTalking(true);
});
for (const type of ['pointerup', 'pointerleave'] as const) {
  micButton.addEventListener(type, () => {
    if (pushToTalk(model)) void setTalking(false);
  });
}
muteButton.addEventListener('click', () => {
  microphone.muted = !microphone.muted;
  muteButton.setAttribute('aria-pressed', String(microphone.muted));
  muteButton.replaceChildren(icon(microphone.muted ? 'unmute' : 'mute'), microphone.muted ? ' Unmute' : ' Mute');
});

function send(): void {
  const text = input.value.trim();
  if (!text || model.live.kind !== 'connected') return;
  model.send({ type: 'say', text, ...(reviewingSpeech ? { spoken: true } : {}) });
  reviewingSpeech = false;
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
