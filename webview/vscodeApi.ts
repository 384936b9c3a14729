/** The webview side of postMessage and persisted state, typed with Parley's protocol. */
import type { HostMessage, ViewMessage } from '../protocol/webview';

interface VsCodeApi<State> {
  postMessage(message: ViewMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

export type Host<State> = VsCodeApi<State> & { onMessage(listener: (message: HostMessage) => void): { dispose(): void } };

export function connectHost<State>(): Host<State> {
  const api = acquireVsCodeApi<State>();
  return {
    postMessage: (message) => api.postMessage(message),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
    onMessage: (listener) => {
      const onEvent = (event: MessageEvent<HostMessage>) => listener(event.data);
      window.addEventListener('message', onEvent);
      return { dispose: () => window.removeEventListener('message', onEvent) };
    },
  };
}
