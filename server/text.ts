/** Text shortened for a title, a list or a message: on one line, at most `max` characters, an ellipsis where it was cut. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
