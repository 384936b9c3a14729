/** Validating frames from a webview before anything acts on them. */
import { LIVE_MAX_SAY_CHARS, type ClientFrame } from '../../protocol/live';

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
    case 'cancel':
      return { ok: true, frame: { type: 'cancel' } };
    case 'capture':
      if (frame.action === 'stop') return { ok: true, frame: { type: 'capture', action: 'stop' } };
      if (frame.action === 'start' && (frame.source === 'webview' || frame.source === 'native')) return { ok: true, frame: { type: 'capture', action: 'start', source: frame.source } };
      return { ok: false, error: 'capture needs start (with source webview or native) or stop' };
    case 'say':
      if (typeof frame.text !== 'string' || frame.text.trim() === '') return { ok: false, error: 'say without text' };
      if (frame.text.length > LIVE_MAX_SAY_CHARS) return { ok: false, error: `say longer than ${LIVE_MAX_SAY_CHARS} characters` };
      return { ok: true, frame: { type: 'say', text: frame.text, ...(frame.spoken === true ? { spoken: true } : {}) } };
    case 'talk':
      return typeof frame.pressed === 'boolean' ? { ok: true, frame: { type: 'talk', pressed: frame.pressed } } : { ok: false, error: 'talk without pressed' };
    default:
      return { ok: false, error: `unknown frame type ${JSON.stringify(frame.type)}`.slice(0, 120) };
  }
}
