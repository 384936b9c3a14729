import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Exchange } from './exchange';

/** A JSON answer, sent after the exchange's time to first byte. */
export async function sendJson(exchange: Exchange, body: unknown, status = 200): Promise<void> {
  await exchange.pacer().tick();
  exchange.writeHead(status, { 'content-type': 'application/json' });
  exchange.res.end(JSON.stringify(body));
}

/** A text answer (such as `response_format: "text"`), sent after the time to first byte. */
export async function sendText(exchange: Exchange, text: string, contentType = 'text/plain; charset=utf-8'): Promise<void> {
  await exchange.pacer().tick();
  exchange.writeHead(200, { 'content-type': contentType });
  exchange.res.end(text);
}

/**
 * Writes and resolves once the data has reached the socket, so a fault that resets the connection
 * next does not discard what the client should still receive.
 */
export function write(res: ServerResponse, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => res.write(data, () => resolve()));
}

/**
 * A chunked binary answer (audio), paced like tokens: the first chunk after ttfbMs, the rest one
 * per interTokenMs. Binary bodies have no in-band error, so either stream fault resets the connection.
 */
export async function sendChunks(exchange: Exchange, chunks: Buffer[], headers: OutgoingHttpHeaders): Promise<void> {
  const { res, streamFault } = exchange;
  const pacer = exchange.pacer();
  let written = Promise.resolve();
  for (const [index, chunk] of chunks.entries()) {
    await pacer.tick();
    if (index === 0) exchange.writeHead(200, headers);
    if (streamFault && index === streamFault.afterEvents) {
      await written;
      res.destroy();
      return;
    }
    written = write(res, chunk);
  }
  if (chunks.length === 0) exchange.writeHead(200, headers);
  res.end();
}
