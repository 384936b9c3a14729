/** The webview side of postMessage and persisted state, typed with Parley's protocol. */
import * as z from 'zod/mini';
import { HostMessageSchema, type HostMessage, type ViewMessage } from '../protocol/webview';

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
      const onEvent = (event: MessageEvent<unknown>) => {
        const parsed = z.safeParse(HostMessageSchema, event.data);
        // Only the extension posts here; a message of another shape is a bug to see in the webview's console, not to act on.
        if (parsed.success) listener(parsed.data);
        else console.error('Parley: ignored a message from the extension that has an unknown shape', parsed.error.issues[0]);
      };
      window.addEventListener('message', onEvent);
      return { dispose: () => window.removeEventListener('message', onEvent) };
    },
  };
}
