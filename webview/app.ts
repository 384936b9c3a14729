/**
 * What the panel and the sidebar share: the host connection, the live connection, the state the
 * server reports (kept in webview state, so a reopened view shows it at once), and update
 * notifications for the view to re-render what changed.
 */
import type { ClientFrame, ServerFrame } from '../protocol/live';
import type { StoredTurn, ToolCallRecord } from '../protocol/session';
import type { ServerStatus, StatusReport } from '../protocol/status';
import type { ViewCommand } from '../protocol/webview';
import { LiveConnection, type LiveState } from './live';
import { connectHost } from './vscodeApi';

export interface ViewState {
  report?: StatusReport;
  status?: ServerStatus;
  turns?: StoredTurn[];
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
  run(command: ViewCommand): void;
  send(frame: ClientFrame): void;
}

export function startView(render: (model: ViewModel) => void): ViewModel {
  const host = connectHost<ViewState>();
  const model: ViewModel = {
    ...(host.getState() ?? {}),
    live: { kind: 'connecting' },
    answering: false,
    run: (command) => host.postMessage({ type: 'runCommand', command }),
    send: (frame) => connection.send(frame),
  };
  const update = () => {
    host.setState({ report: model.report, status: model.status, turns: model.turns });
    render(model);
  };

  const onFrame = (frame: ServerFrame) => {
    apply(model, frame);
    update();
  };

  const connection = new LiveConnection({
    onFrame,
    onState: (next) => {
      model.live = next;
      update();
    },
    requestEndpoint: () => host.postMessage({ type: 'ready' }),
  });

  host.onMessage((message) => {
    if (message.type === 'connect') connection.connect(message.endpoint);
    else if (message.type === 'serverStopped') connection.serverStopped(message.reason);
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
    case 'transcript':
    case 'playback':
    case 'pong':
      return;
  }
}
