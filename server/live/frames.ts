/** Validating frames from a webview before anything acts on them. */
import type { ClientFrame } from '../../protocol/live';

export type Parsed = { ok: true; frame: ClientFrame } | { ok: false; error: string };

export function parseClientFrame(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'malformed JSON' };
  }
  if (!value || typeof value !== 'object') return { ok: false, error: 'frame is not an object' };
  const frame = value as Record<string, unknown>;
  switch (frame.type) {
    case 'ping':
      return Number.isSafeInteger(frame.id) ? { ok: true, frame: { type: 'ping', id: frame.id as number } } : { ok: false, error: 'ping without a numeric id' };
    case 'refresh':
      return { ok: true, frame: { type: 'refresh' } };
    default:
      return { ok: false, error: `unknown frame type ${JSON.stringify(frame.type)}`.slice(0, 120) };
  }
}
