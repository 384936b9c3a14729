/** The notice that answers a message Parley did not take: why, and which message it was, so the user can send it again. */
import type { ServerFrame } from '../../protocol/live';

/** How much of the message the notice quotes: enough to tell which one it was. */
const QUOTED_CHARS = 60;

export function notSent(why: string, text: string): ServerFrame {
  const quoted = text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text;
  return { type: 'notice', level: 'error', message: `${why}, so "${quoted}" was not sent. Send it again in a moment.` };
}
