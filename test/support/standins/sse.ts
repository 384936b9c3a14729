import type { Exchange } from './exchange';
import type { StreamFault } from './faults';
import { write } from './respond';

/** One server-sent event; `data` is JSON-encoded unless it is already a string (such as `[DONE]`). */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** The vendor's in-stream error event for a `stream-error` fault. */
export type ErrorEventFor = (fault: Extract<StreamFault, { kind: 'stream-error' }>) => SseEvent;

export function encodeSse({ event, data }: SseEvent): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`;
}

/**
 * Writes an event stream at the exchange's pace: headers and the first event after ttfbMs, then
 * one event per interTokenMs. A scheduled stream fault breaks the stream after its count of events.
 */
export async function streamSse(exchange: Exchange, events: Iterable<SseEvent>, errorEvent: ErrorEventFor): Promise<void> {
  const { res, streamFault } = exchange;
  const pacer = exchange.pacer();
  let sent = 0;
  let written = Promise.resolve();
  for (const event of events) {
    await pacer.tick();
    if (sent === 0) startStream(exchange);
    if (streamFault && sent === streamFault.afterEvents) {
      await written;
      if (streamFault.kind === 'cut') res.destroy();
      else res.end(encodeSse(errorEvent(streamFault)));
      return;
    }
    written = write(res, encodeSse(event));
    sent++;
  }
  if (sent === 0) startStream(exchange);
  res.end();
}

function startStream(exchange: Exchange): void {
  exchange.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  exchange.res.flushHeaders();
}
