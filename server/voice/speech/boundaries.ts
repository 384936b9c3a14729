/**
 * Where a clause of prose may end. Works on one line of raw (still Markdown) text that grows as
 * the model streams; a boundary is only confirmed once the text after it is known, so "e.g. the"
 * or "3.14" never split, and a boundary at the very end waits for the next delta (or the end).
 */
import { hasSpeech } from '../../providers/tts/text';
import { speakable } from './inline';

export interface BoundaryRules {
  /** A comma ends a clause only when the clause, as spoken, is at least this long (LiveKit's tokenizer uses 20). */
  minCommaChars: number;
  /** A clause with no boundary is cut at a space once it is this long, so a run-on sentence still streams. */
  maxClauseChars: number;
}

/** Abbreviations that never end a sentence. */
const NEVER_END = new Set([
  'e.g',
  'i.e',
  'vs',
  'cf',
  'approx',
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'fig',
  'incl',
  'esp',
  'resp',
  'viz',
  'al',
  'ca',
]);
/** Abbreviations that end a sentence only when a capital letter follows ("… and so on, etc. Then"). */
const END_IF_CAPITAL = new Set(['etc', 'a.m', 'p.m']);

const ENDS = '.?!;:';
/** Characters that may close a sentence after its punctuation: quotes, brackets, emphasis. */
const CLOSERS = `)]"'”’*_`;

export type Boundary = { at: number } | 'wait' | 'none';

/** The end of the first complete clause in `text`, 'wait' if one may end but more text is needed. */
export function findBoundary(text: string, final: boolean, rules: BoundaryRules): Boundary {
  const scan = new Scanner(text);
  for (let i = 0; i < text.length; i++) {
    if (scan.skips(i)) continue;
    const char = text[i]!;
    if (!ENDS.includes(char) && char !== ',') continue;
    const verdict = char === ',' ? commaBoundary(text, i, final, rules) : sentenceBoundary(text, i, final);
    if (verdict === 'wait') return 'wait';
    if (verdict !== 'none' && hasLetters(text.slice(0, verdict.at))) return verdict;
  }
  if (text.length >= rules.maxClauseChars) return forcedBoundary(text, rules.maxClauseChars);
  return 'none';
}

function hasLetters(text: string): boolean {
  return /\p{L}/u.test(text);
}

function commaBoundary(text: string, i: number, final: boolean, rules: BoundaryRules): Boundary {
  if (i + 1 === text.length) return final ? { at: i + 1 } : 'wait';
  if (!/\s/.test(text[i + 1]!)) return 'none';
  // Measured as it will be said: a URL or a link target is much shorter spoken than written.
  return speakable(text.slice(0, i + 1)).length >= rules.minCommaChars ? { at: i + 1 } : 'none';
}

function sentenceBoundary(text: string, i: number, final: boolean): Boundary {
  let end = i + 1;
  while (end < text.length && '.?!'.includes(text[end]!)) end++;
  while (end < text.length && CLOSERS.includes(text[end]!)) end++;
  if (end === text.length) return final ? { at: end } : 'wait';
  if (!/\s/.test(text[end]!)) return 'none';
  if (text[i] !== '.') return { at: end };
  const next = /\S/.exec(text.slice(end));
  if (!next) return final ? { at: end } : 'wait';
  return isAbbreviation(text.slice(0, i), next[0]) ? 'none' : { at: end };
}

function isAbbreviation(before: string, nextChar: string): boolean {
  const word = (/[\p{L}.]+$/u.exec(before)?.[0] ?? '').toLowerCase();
  if (word === '') return false;
  if (NEVER_END.has(word)) return true;
  const capitalFollows = nextChar !== nextChar.toLowerCase();
  if (END_IF_CAPITAL.has(word) || /^(\p{L}\.)+\p{L}$/u.test(word)) return !capitalFollows;
  // A single letter is an initial ("J. Smith") far more often than a sentence's last word.
  return [...word].length === 1;
}

/** Cuts a clause that found no boundary at its last space before the limit. */
function forcedBoundary(text: string, max: number): Boundary {
  const space = text.lastIndexOf(' ', max);
  if (space > 0 && hasSpeech(text.slice(0, space))) return { at: space };
  return { at: max };
}

/**
 * Tracks inline code spans and link targets while scanning, so punctuation inside `a.b; c`
 * or `(https://x.y/a. b)` never ends a clause.
 */
class Scanner {
  #codeTicks = 0;
  #linkDepth = 0;
  #until = -1;

  constructor(private readonly text: string) {}

  skips(i: number): boolean {
    if (i <= this.#until) return true;
    const { text } = this;
    if (text[i] === '`') return this.#backticks(i);
    if (this.#codeTicks > 0) return true;
    if (text[i] === '(' && text[i - 1] === ']') this.#linkDepth++;
    else if (text[i] === ')' && this.#linkDepth > 0) this.#linkDepth--;
    return this.#linkDepth > 0;
  }

  #backticks(i: number): boolean {
    let end = i;
    while (this.text[end] === '`') end++;
    const run = end - i;
    if (this.#codeTicks === 0) this.#codeTicks = run;
    else if (this.#codeTicks === run) this.#codeTicks = 0;
    this.#until = end - 1;
    return true;
  }
}
