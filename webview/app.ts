/**
 * What the panel and the sidebar share: the host connection, the live connection, the state the
 * server reports (kept in webview state, so a reopened view shows it at once), and update
 * notifications for the view to re-render what changed.
 */
import type { ClientFrame, ServerFrame } from '../protocol/live';
import type { SessionHead, StoredTurn, ToolCallRecord } from '../protocol/session';
import type { ServerStatus, StatusReport } from '../protocol/status';
import type { CaptureChoice, ViewCommand } from '../protocol/webview';
import { LiveConnection, type LiveState } from './live';
import { connectHost, type Host } from './vscodeApi';

export interface ViewState {
  report?: StatusReport;
  status?: ServerStatus;
  turns?: StoredTurn[];
  /** The session the conversation is in. */
  session?: SessionHead;
  /** Its time limit, when it has one: when it ends and where it is. */
  sessionTime?: { endsAt: number | null; state: 'running' | 'warning' | 'ended' };
  /** What the session's answers cost so far (null: none priced), and its budget (null: none). */
  sessionCost?: { costUsd: number | null; budgetUsd: number | null };
}

/** The answer being produced now, before it is committed as a turn. */
export interface Streaming {
  text: string;
  toolCalls: ToolCallRecord[];
}

export interface ViewModel extends ViewState {
  live: LiveState;
  answering: boolean;
  streaming?: Streaming;
  notice?: { level: 'error' | 'warning' | 'info'; message: string };
  /** What the user is saying now (partial transcript), while listening. */
  partial?: string;
  capture: { state: 'off' | 'starting' | 'listening'; reason?: string; source?: 'webview' | 'native'; device?: string };
  run(command: ViewCommand): void;
  /** Asks the extension to open a note at a line; `teamDocument`: a team hub note's id, opened read-only. */
  openNote(path: string, line: number, teamDocument?: number): void;
  /** Asks the extension what to listen through (the answer comes to `onCaptureChoice`); `webviewFailed`: why this view's microphone did not start. */
  chooseCapture(webviewFailed?: string): void;
  send(frame: ClientFrame): void;
  sendAudio(pcm: Int16Array): void;
}

/** Optional hooks for views that do more than render: audio playback and host commands. */
export interface ViewHooks {
  onAudio?(pcm: Int16Array, sampleRate: number): void;
  onPlayback?(frame: Extract<ServerFrame, { type: 'playback' }>): void;
  onToggleListening?(): void;
  /** Push-to-talk: the transcript of the turn, for the user to review before it is sent. */
  onEditableTranscript?(text: string): void;
  /** The connection dropped: a capture in progress has ended with it. */
  onDisconnect?(): void;
  /** The connection is up: a server has (re)started, and what it holds may have changed. */
  onConnect?(): void;
  /** The extension's answer to `chooseCapture`. */
  onCaptureChoice?(choice: CaptureChoice): void;
  /** Every frame, before the model applies it: for views that keep state of their own (the approval cards). */
  onFrame?(frame: ServerFrame): void;
}

/** `host`: the view's one connection to the extension, when the view uses it for more than this. */
export function startView(render: (model: ViewModel) => void, hooks: ViewHooks = {}, host: Host<ViewState> = connectHost<ViewState>()): ViewModel {
  const model: ViewModel = {
    ...(host.getState() ?? {}),
    live: { kind: 'connecting' },
    answering: false,
    capture: { state: 'off' },
    run: (command) => host.postMessage({ type: 'runCommand', command }),
    openNote: (path, line, teamDocument) => host.postMessage({ type: 'openNote', path, line, ...(teamDocument === undefined ? {} : { teamDocument }) }),
    chooseCapture: (webviewFailed) => host.postMessage({ type: 'chooseCapture', ...(webviewFailed === undefined ? {} : { webviewFailed }) }),
    send: (frame) => connection.send(frame),
    sendAudio: (pcm) => connection.sendAudio(pcm),
  };
  const update = () => {
    host.setState({ report: model.report, status: model.status, turns: model.turns });
    render(model);
  };

  const onFrame = (frame: ServerFrame) => {
    hooks.onFrame?.(frame);
    if (frame.type === 'playback') hooks.onPlayback?.(frame);
    if (frame.type === 'transcript' && frame.final && frame.editable) hooks.onEditableTranscript?.(frame.text);
    apply(model, frame);
    update();
  };

  // A question from the editor waits here until the connection is up (a new panel is still connecting).
  let asked: string | undefined;
  const sendAsked = () => {
    if (asked === undefined || !connection.open) return;
    connection.send({ type: 'say', text: asked } satisfies ClientFrame);
    asked = undefined;
  };

  const connection = new LiveConnection({
    onFrame,
    onAudio: (pcm, sampleRate) => hooks.onAudio?.(pcm, sampleRate),
    onState: (next) => {
      if (model.live.kind === 'connected' && next.kind !== 'connected') hooks.onDisconnect?.();
      model.live = next;
      update();
      if (next.kind === 'connected') {
        sendAsked();
        hooks.onConnect?.();
      }
    },
    requestEndpoint: () => host.postMessage({ type: 'ready' }),
  });

  host.onMessage((message) => {
    if (message.type === 'connect') connection.connect(message.endpoint);
    else if (message.type === 'serverStopped') connection.serverStopped(message.reason);
    else if (message.type === 'toggleListening') hooks.onToggleListening?.();
    else if (message.type === 'captureChoice') hooks.onCaptureChoice?.(message.choice);
    else if (message.type === 'ask') {
      asked = message.text;
      sendAsked();
    }
  });
  update();
  host.postMessage({ type: 'ready' });
  return model;
}

function apply(model: ViewModel, frame: ServerFrame): void {
  switch (frame.type) {
    case 'hello':
      model.report = frame.report;
      model.status = frame.status;
      return;
    case 'report':
      model.report = frame.report;
      return;
    case 'status':
      model.status = frame.status;
      return;
    case 'history':
      model.turns = frame.turns;
      if (frame.session) model.session = frame.session;
      return;
    case 'session':
      model.session = frame.session;
      return;
    case 'turn':
      model.turns = [...(model.turns ?? []).filter((turn) => turn.id !== frame.turn.id), frame.turn];
      if (frame.turn.role === 'assistant') model.streaming = undefined;
      else model.notice = undefined;
      return;
    case 'answering':
      model.answering = frame.active;
      if (frame.active) model.streaming = { text: '', toolCalls: [] };
      else model.streaming = undefined;
      return;
    case 'assistantDelta':
      model.streaming ??= { text: '', toolCalls: [] };
      model.streaming.text += frame.text;
      return;
    case 'toolCall': {
      model.streaming ??= { text: '', toolCalls: [] };
      const calls = model.streaming.toolCalls.filter((call) => call.id !== frame.call.id);
      model.streaming.toolCalls = [...calls, frame.call];
      return;
    }
    case 'notice':
      model.notice = { level: frame.level, message: frame.message };
      return;
    case 'sessionTime':
      model.sessionTime = { endsAt: frame.endsAt, state: frame.state };
      return;
    case 'sessionCost':
      model.sessionCost = { costUsd: frame.costUsd, budgetUsd: frame.budgetUsd };
      return;
    case 'transcript':
      model.partial = frame.final ? undefined : frame.text;
      return;
    case 'capture':
      model.capture =
        frame.state === 'listening'
          ? { state: 'listening', source: frame.source, ...(frame.device ? { device: frame.device } : {}) }
          : { state: 'off', ...(frame.reason ? { reason: frame.reason } : {}) };
      return;
    case 'voiceCommand':
      // Said to the voice, not the model: what it did stands where the words were heard.
      model.partial = undefined;
      model.notice = { level: 'info', message: frame.message };
      return;
    case 'playback':
    case 'pong':
      return;
  }
}
