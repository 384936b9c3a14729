/**
 * A loopback TCP relay between an SDK and a stand-in that records each connection's bytes and
 * when it closed, so a test can see that aborting an answer really closed the HTTP stream
 * (rather than the SDK quietly reading the rest of the body in the background).
 */
import { createConnection, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface TappedConnection {
  /** Bytes the upstream (the stand-in) has sent on this connection. */
  bytesDown: number;
  /** The same, as text (HTTP headers and SSE events). */
  textDown: string;
  /** `performance.now()` when the connection closed, on either side. */
  closedAt?: number;
}

export interface Wiretap {
  /** `http://127.0.0.1:<port>`: use in place of the stand-in's url. */
  readonly url: string;
  readonly connections: TappedConnection[];
  close(): Promise<void>;
}

export async function startWiretap(upstreamPort: number): Promise<Wiretap> {
  const connections: TappedConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    const record: TappedConnection = { bytesDown: 0, textDown: '' };
    connections.push(record);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        record.closedAt ??= performance.now();
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (data: Buffer) => {
      record.bytesDown += data.length;
      record.textDown += data.toString('utf8');
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
