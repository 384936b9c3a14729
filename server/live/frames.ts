/** Validating frames from a webview before anything acts on them. */
import { VISIBILITY_LEVELS, type KbSearchFilters, type Visibility } from '../../protocol/knowledge';
import { LIVE_MAX_QUERY_CHARS, LIVE_MAX_SAY_CHARS, PLAYBACK_STATES, type ClientFrame, type KbOperation, type PlaybackState } from '../../protocol/live';

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
    case 'playback':
      return playbackReport(frame);
    case 'kb': {
      if (!Number.isSafeInteger(frame.id)) return { ok: false, error: 'kb without a numeric id' };
      const request = kbOperation(frame.request);
      return typeof request === 'string' ? { ok: false, error: request } : { ok: true, frame: { type: 'kb', id: frame.id as number, request } };
    }
    default:
      return { ok: false, error: `unknown frame type ${JSON.stringify(frame.type)}`.slice(0, 120) };
  }
}

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** A day of audio: more than any answer plays. */
const MAX_PLAYED_MS = 86_400_000;

function playbackReport(frame: Record<string, unknown>): Parsed {
  const { answer, playedMs, state } = frame;
  if (!Number.isSafeInteger(answer) || (answer as number) < 0) return { ok: false, error: 'playback without a numeric answer' };
  if (typeof playedMs !== 'number' || !(playedMs >= 0 && playedMs <= MAX_PLAYED_MS)) return { ok: false, error: 'playback playedMs must be 0 to 86400000' };
  if (!PLAYBACK_STATES.includes(state as PlaybackState)) return { ok: false, error: 'playback state must be playing, paused or done' };
  return { ok: true, frame: { type: 'playback', answer: answer as number, playedMs, state: state as PlaybackState } };
}
const isVisibility = (value: unknown): value is Visibility => VISIBILITY_LEVELS.includes(value as Visibility);

function searchFilters(value: unknown): KbSearchFilters | string {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object') return 'kb search filters must be an object';
  const { visibility, tag, folder } = value as Record<string, unknown>;
  if (visibility !== undefined && !(Array.isArray(visibility) && visibility.every(isVisibility))) return 'kb search visibility must list private, shared or public';
  if (tag !== undefined && typeof tag !== 'string') return 'kb search tag must be text';
  if (folder !== undefined && typeof folder !== 'string') return 'kb search folder must be text';
  return { ...(visibility ? { visibility } : {}), ...(tag ? { tag } : {}), ...(folder ? { folder } : {}) };
}

/** A knowledge-base request, or why it is not one. */
function kbOperation(value: unknown): KbOperation | string {
  if (!value || typeof value !== 'object') return 'kb without a request';
  const request = value as Record<string, unknown>;
  switch (request.op) {
    case 'search': {
      if (typeof request.query !== 'string' || request.query.length > LIVE_MAX_QUERY_CHARS) return `kb search needs a query of at most ${LIVE_MAX_QUERY_CHARS} characters`;
      const k = request.k === undefined ? 10 : request.k;
      if (!Number.isSafeInteger(k) || (k as number) < 1 || (k as number) > 100) return 'kb search k must be 1 to 100';
      const filters = searchFilters(request.filters);
      return typeof filters === 'string' ? filters : { op: 'search', query: request.query, k: k as number, filters };
    }
    case 'vote':
      return isId(request.chunkId) && (request.vote === 1 || request.vote === -1) ? { op: 'vote', chunkId: request.chunkId, vote: request.vote } : 'kb vote needs a chunkId and a vote of 1 or -1';
    case 'correct':
      return isId(request.chunkId) && typeof request.text === 'string' && request.text.length <= LIVE_MAX_SAY_CHARS ? { op: 'correct', chunkId: request.chunkId, text: request.text } : 'kb correct needs a chunkId and text';
    case 'tag':
      return isId(request.documentId) && typeof request.tag === 'string' && request.tag.length <= 200 ? { op: 'tag', documentId: request.documentId, tag: request.tag } : 'kb tag needs a documentId and a tag';
    case 'visibility':
      return isId(request.documentId) && isVisibility(request.visibility) ? { op: 'visibility', documentId: request.documentId, visibility: request.visibility } : 'kb visibility needs a documentId and private, shared or public';
    case 'stats':
      return { op: 'stats' };
    default:
      return `unknown kb operation ${JSON.stringify(request.op)}`.slice(0, 120);
  }
}
