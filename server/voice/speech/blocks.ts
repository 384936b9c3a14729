/**
 * Block-level Markdown, decided from the start of each line: a line may open a code fence, be a
 * heading, a list item, a quote, a table row or a rule. Prose can stream as soon as the line's
 * first characters rule the others out, so a long paragraph is never held back to its end.
 */

export type LineStart =
  /** More characters are needed to tell (a lone "1", "``", "- "). */
  | { kind: 'wait' }
  /** Prose from `skip` on; the characters before it are a marker (heading, list, quote). */
  | { kind: 'prose'; skip: number }
  | { kind: 'fence'; char: string; length: number }
  /** Only the whole line can tell (tables, rules). */
  | { kind: 'wholeLine' };

export type WholeLine = LineStart | { kind: 'drop' } | { kind: 'table' };

const WAIT: LineStart = { kind: 'wait' };
const prose = (skip: number): LineStart => ({ kind: 'prose', skip });

export function classifyLineStart(head: string): LineStart {
  const marker = /^[ \t]*(?:>[ \t]?)*/.exec(head)![0];
  const rest = head.slice(marker.length);
  if (rest === '') return WAIT;
  const first = rest[0]!;
  if (first === '`' || first === '~') return fenceOrProse(rest, marker.length);
  if (first === '#') return heading(rest, marker.length);
  if ('-*+_'.includes(first)) return bullet(rest, marker.length);
  if (/\d/.test(first)) return ordered(rest, marker.length);
  if (first === '|') return { kind: 'wholeLine' };
  if (first === '=' && /^=+$/.test(rest)) return WAIT;
  return prose(marker.length);
}

/** A line that ended before its start could be classified, or one that needed all of itself. */
export function classifyWholeLine(line: string): WholeLine {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'drop' };
  if (/^([-*_])([ \t]*\1){2,}$/.test(trimmed) || /^=+$/.test(trimmed)) return { kind: 'drop' };
  if (trimmed.replace(/^(>[ \t]?)+/, '').startsWith('|')) return { kind: 'table' };
  // A space after the line resolves every "wait": "1." is then a list marker, "```" a fence.
  const verdict = classifyLineStart(`${line} `);
  return verdict.kind === 'wait' || verdict.kind === 'wholeLine' ? { kind: 'drop' } : verdict;
}

/** Whether a line inside a fence closes it: the same character, at least as many, nothing else. */
export function closesFence(line: string, fence: { char: string; length: number }): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && [...trimmed].every((c) => c === fence.char);
}

function fenceOrProse(rest: string, offset: number): LineStart {
  const char = rest[0]!;
  let run = 0;
  while (rest[run] === char) run++;
  if (run === rest.length) return WAIT;
  if (run < 3) return prose(offset);
  // A backtick fence's info string may not contain backticks; "```a```" is inline code.
  if (char === '`' && rest.slice(run).includes('`')) return prose(offset);
  return { kind: 'fence', char, length: run };
}

function heading(rest: string, offset: number): LineStart {
  let run = 0;
  while (rest[run] === '#') run++;
  if (run === rest.length) return run <= 6 ? WAIT : prose(offset);
  return run <= 6 && /[ \t]/.test(rest[run]!) ? prose(offset + run + 1) : prose(offset);
}

function bullet(rest: string, offset: number): LineStart {
  // "- ", "**", "* *" and "---" could still become a list item, emphasis or a rule.
  if (/^[-*+_ \t]*$/.test(rest)) return WAIT;
  const marker = /^[-*+][ \t]+/.exec(rest);
  return prose(offset + (marker ? marker[0].length : 0));
}

function ordered(rest: string, offset: number): LineStart {
  if (/^\d{1,9}[.)]?$/.test(rest)) return WAIT;
  const marker = /^\d{1,9}[.)][ \t]+/.exec(rest);
  return prose(offset + (marker ? marker[0].length : 0));
}
