/** Validating frames from a webview before anything acts on them, with the schema protocol/ declares. */
import type * as z from 'zod';
import { ClientFrameSchema, type ClientFrame } from '../../protocol/clientFrames';

export type Parsed = { ok: true; frame: ClientFrame } | { ok: false; error: string };

/** Close reasons must fit a WebSocket close frame (123 bytes). */
const MAX_REASON_CHARS = 120;

export function parseClientFrame(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'malformed JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'frame is not an object' };
  const parsed = ClientFrameSchema.safeParse(value);
  return parsed.success
    ? { ok: true, frame: parsed.data }
    : { ok: false, error: problem((value as { type?: unknown }).type, parsed.error).slice(0, MAX_REASON_CHARS) };
}

/** What is wrong with a frame, for the close reason and the log: `ping: id: Invalid input: expected number, received string`. */
function problem(type: unknown, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue || (issue.path.length === 1 && issue.path[0] === 'type')) return `unknown frame type ${JSON.stringify(type)}`;
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${String(type)}: ${where}${issue.message}`;
}
