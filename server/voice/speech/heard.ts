/**
 * What the user actually heard of a reply cut short by a barge-in, so history keeps only that
 * (marked interrupted). The TTS stage reports each clause's text with its audio length
 * (`segmentDone`); the sink reports how much audio it played (a webview by its own audio clock).
 * Within the clause that was cut, speech is taken to be evenly paced, and the cut falls back to
 * the last whole word.
 */

export interface SpokenSegment {
  text: string;
  audioMs: number;
}

export interface Heard {
  text: string;
  /** True when every segment was played to its end. */
  complete: boolean;
}

export function heardText(segments: readonly SpokenSegment[], playedMs: number): Heard {
  const parts: string[] = [];
  let start = 0;
  for (const segment of segments) {
    const end = start + segment.audioMs;
    if (playedMs >= end) {
      parts.push(segment.text);
      start = end;
      continue;
    }
    const partial = wordsWithin(segment.text, (playedMs - start) / segment.audioMs);
    if (partial) parts.push(partial);
    return { text: parts.join(' '), complete: false };
  }
  return { text: parts.join(' '), complete: true };
}

/** The whole words of `text` that fit in the first `fraction` of it. */
function wordsWithin(text: string, fraction: number): string {
  if (!(fraction > 0)) return '';
  const cut = Math.floor(text.length * Math.min(1, fraction));
  if (cut >= text.length) return text;
  const atWordEnd = /\s/.test(text[cut] ?? ' ');
  const head = text.slice(0, cut);
  return (atWordEnd ? head : head.replace(/\S*$/, '')).trimEnd();
}
