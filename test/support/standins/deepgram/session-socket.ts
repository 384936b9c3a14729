import type { WebSocket } from 'ws';
import type { StreamFault } from '../faults';

/** How a session ended, as the client was told. */
export interface Closed {
  code: number;
  reason: string;
}

/**
 * The server side of one Deepgram WebSocket session: sends messages, applies a scheduled stream
 * fault after its count of messages (`cut` resets the connection, `stream-error` closes with 1011),
 * and never writes after the session closed.
 */
export class SessionSocket {
  #sent = 0;
  /** Set once the fault is due: later messages are dropped, as a broken connection would. */
  #broken = false;
  #idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly fault: StreamFault | undefined,
  ) {
    ws.on('close', () => clearTimeout(this.#idle));
  }

  /**
   * (Re)starts Deepgram's idle deadline: a session that hears nothing for `timeoutMs` is closed
   * with 1011 and NET-0001, as the real service does. Call it on every message received.
   */
  keepAlive(timeoutMs: number): void {
    clearTimeout(this.#idle);
    const reason = 'Deepgram did not receive audio data or a text message within the timeout window. See https://dpgr.am/net0001';
    this.#idle = setTimeout(() => this.close(1011, reason), timeoutMs).unref();
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  sendJson(message: object): void {
    this.#send(JSON.stringify(message));
  }

  sendAudio(chunk: Buffer): void {
    this.#send(chunk);
  }

  /** Without a code the close frame carries no status (the client sees 1005), as Flux closes after CloseStream. */
  close(code?: number, reason = ''): void {
    if (!this.open) return;
    if (code === undefined) this.ws.close();
    else this.ws.close(code, reason);
  }

  #send(data: string | Buffer): void {
    const { fault } = this;
    if (!this.open || this.#broken) return;
    if (fault && this.#sent === fault.afterEvents) {
      this.#broken = true;
      return this.#break(fault);
    }
    this.#sent++;
    // The break waits for the last message to be written, or terminate() would discard it.
    const last = fault !== undefined && this.#sent === fault.afterEvents;
    this.#broken = last;
    this.ws.send(data, last ? () => this.#break(fault) : undefined);
  }

  #break(fault: StreamFault): void {
    if (!this.open) return;
    if (fault.kind === 'cut') this.ws.terminate();
    else this.ws.close(1011, fault.message ?? 'Stand-in stream error.');
  }
}

/** Runs tasks one after another; a failed task (often an abort) is reported and the queue goes on. */
export class Outbox {
  #tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => Promise<void> | void): void {
    this.#tail = this.#tail.then(task).catch(this.onError);
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
