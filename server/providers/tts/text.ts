/** What text a synthesis request may carry: something a voice can say, and not too much of it. */

/** Whether a text has anything a voice can say: a letter or a digit. */
export function hasSpeech(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** Pieces of at most `maxChars`, cut at the last space before the limit (mid-word only if there is none). */
export function splitLong(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars);
    const cut = space > 0 ? space : maxChars;
    pieces.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}
