/**
 * Colour codes in command output (SGR escape sequences, the only ones the server passes on) turned
 * into text segments with class names, which the panel's CSS maps to the theme's terminal colours.
 * The style carries over from one chunk of output to the next.
 */

export interface SgrStyle {
  /** ANSI colour 0–15 (8–15 bright). */
  fg?: number;
  bg?: number;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface SgrSegment {
  text: string;
  classes: string[];
  /** The style in effect after this segment. */
  style: SgrStyle;
}

const SEQUENCE = /\u001b\[([\d;:]*)m|\u009b([\d;:]*)m/g;

function classesOf(style: SgrStyle): string[] {
  return [
    style.fg === undefined ? '' : `ansi-fg-${style.fg}`,
    style.bg === undefined ? '' : `ansi-bg-${style.bg}`,
    style.bold ? 'ansi-bold' : '',
    style.dim ? 'ansi-dim' : '',
    style.italic ? 'ansi-italic' : '',
    style.underline ? 'ansi-underline' : '',
  ].filter(Boolean);
}

/** The style after one SGR sequence's parameters; codes Parley does not render (256 and true colours among them) are skipped. */
export function applySgr(style: SgrStyle, params: string): SgrStyle {
  const next = { ...style };
  const codes = params === '' ? [0] : params.split(/[;:]/).map(Number);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) for (const key of Object.keys(next) as (keyof SgrStyle)[]) delete next[key];
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) delete next.bg;
    // 38/48;5;n and 38/48;2;r;g;b: their arguments are not codes.
    else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 1;
  }
  return next;
}

/** The text between colour codes, each piece with the classes of the style it is shown in. */
export function sgrSegments(text: string, start: SgrStyle = {}): SgrSegment[] {
  const segments: SgrSegment[] = [];
  let style = start;
  let last = 0;
  for (const match of text.matchAll(SEQUENCE)) {
    if (match.index > last) segments.push({ text: text.slice(last, match.index), classes: classesOf(style), style });
    style = applySgr(style, match[1] ?? match[2] ?? '');
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last), classes: classesOf(style), style });
  // A chunk that ends on a code still passes its style on.
  if (segments.at(-1)?.style !== style) segments.push({ text: '', classes: classesOf(style), style });
  return segments;
}
