/** Cutting text that is too long for one synthesis request, at word boundaries. */

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
