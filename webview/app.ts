/**
 * What the panel and the sidebar share: the host connection, the live connection, the last
 * report kept in webview state (so a reopened view shows it at once), and a render loop.
 */
import type { ServerFrame } from '../protocol/live';
import type { ServerStatus, StatusReport } from '../protocol/status';
import type { ViewCommand } from '../protocol/webview';
import { LiveConnection, type LiveState } from './live';
import { connectHost } from './vscodeApi';

export interface ViewState {
  report?: StatusReport;
  status?: ServerStatus;
}

export interface ViewModel extends ViewState {
  live: LiveState;
  run(command: ViewCommand): void;
}

export function startView(render: (model: ViewModel) => HTMLElement[]): void {
  const host = connectHost<ViewState>();
  const state: ViewState = host.getState() ?? {};
  let live: LiveState = { kind: 'connecting' };
  const app = document.getElementById('app') as HTMLElement;
  const run = (command: ViewCommand) => host.postMessage({ type: 'runCommand', command });

  const update = () => {
    host.setState(state);
    app.replaceChildren(...render({ ...state, live, run }));
  };

  const onFrame = (frame: ServerFrame) => {
    if (frame.type === 'hello') Object.assign(state, { report: frame.report, status: frame.status });
    else if (frame.type === 'report') state.report = frame.report;
    else if (frame.type === 'status') state.status = frame.status;
    update();
  };

  const connection = new LiveConnection({
    onFrame,
    onState: (next) => {
      live = next;
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
}
