/** The panel's side of a test server's live WebSocket: a connection that keeps everything the server sends. */
import { deepStrictEqual } from 'node:assert';
import { WebSocket } from 'ws';
import { liveUrl, type ServerFrame } from '../../protocol/live';
import { ServerFrameSchema } from '../../protocol/serverFrames';
import { LiveEndpointRequest } from '../../protocol/lsp';
import type { TestServer } from './server';

export interface LiveClient {
  socket: WebSocket;
  /** The text frames the server sent, parsed, in order. */
  frames: ServerFrame[];
  /** The binary frames (the answer's voice), in order. */
  audio: Buffer[];
  /** The close code, once the connection closed. */
  closedWith?: number;
}

/** Connects with the endpoint and token the server hands the panel, and resolves once the connection is open. */
export async function connectLive(server: TestServer): Promise<LiveClient> {
  const socket = new WebSocket(liveUrl(await server.connection.sendRequest(LiveEndpointRequest.type)));
  const client: LiveClient = { socket, frames: [], audio: [] };
  socket.on('message', (data: Buffer, isBinary) => (isBinary ? client.audio.push(data) : client.frames.push(serverFrame(data))));
  socket.once('close', (code) => (client.closedWith = code));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return client;
}

/**
 * A text frame from the server, read as the panel reads it but strictly: it must match
 * ServerFrameSchema, with no field the schema does not declare (the panel would drop it unseen).
 */
export function serverFrame(data: Buffer | string): ServerFrame {
  const json: unknown = JSON.parse(data.toString());
  const frame = ServerFrameSchema.parse(json);
  deepStrictEqual(frame, json, 'the server sent a field its frame schema does not declare');
  return frame;
}
