/** The messages between the server and the local recognizer's process (worker.ts). */

export type WorkerRequest =
  { type: 'load'; model: string } | { type: 'transcribe'; id: number; model: string; pcm: Uint8Array; prompt?: string; language?: string };

export type WorkerReply = { type: 'ready'; model: string } | { type: 'result'; id: number; text: string } | { type: 'error'; id?: number; message: string };
