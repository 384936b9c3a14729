/**
 * Whether a pause ends the user's turn or only their breath: "and then the…" is a thought still
 * going, so the silence that ends the turn grows when the words so far end on a conjunction, a
 * preposition, an article or determiner, a filler, or a comma. A question that is whole (the
 * recognizer punctuated it with a question mark) ends the turn after a shorter silence than usual;
 * anything else (a full stop, any other word) at the usual silence.
 */

/**
 * Words after which an English sentence goes on. Not "this" or "that": "fix this" and "what is that"
 * end a request as often as "look at this" begins one.
 */
const GOES_ON = new Set([
  // conjunctions
  'and',
  'or',
  'but',
  'nor',
  'so',
  'because',
  'then',
  'if',
  'when',
  'while',
  'which',
  'than',
  'as',
  'since',
  'unless',
  'until',
  'although',
  'though',
  'whether',
  'where',
  // prepositions
  'to',
  'of',
  'in',
  'on',
  'at',
  'for',
  'with',
  'from',
  'by',
  'about',
  'into',
  'onto',
  'over',
  'under',
  'between',
  'through',
  'after',
  'before',
  'without',
  'within',
  'across',
  'against',
  'around',
  'via',
  'per',
  // articles and determiners
  'the',
  'a',
  'an',
  'my',
  'your',
  'our',
  'its',
  'their',
  'some',
  'any',
  'each',
  'every',
  // fillers
  'um',
  'uh',
  'er',
  'erm',
  'hmm',
  'like',
]);

/** Words no sentence ends on, whatever punctuation a recognizer gave them. */
const NEVER_LAST = new Set(['the', 'a', 'an', 'my', 'your', 'our', 'their', 'and', 'or', 'but', 'nor', 'um', 'uh', 'er', 'erm']);

/** Where the words heard so far leave the thought: still going, a whole question, or neither. */
export type ThoughtState = 'goesOn' | 'question' | 'open';

export function thoughtState(heard: string): ThoughtState {
  const text = heard.trim();
  if (!text) return 'open';
  const last = /([\p{L}']+)\W*$/u.exec(text)?.[1]?.toLowerCase();
  // A recognizer punctuates words as they come; "the?" is not a question, whatever it thinks.
  if (last !== undefined && NEVER_LAST.has(last)) return 'goesOn';
  if (/\?["')\]]*$/.test(text)) return 'question';
  if (/[.!]["')\]]*$/.test(text)) return 'open';
  if (/[,;:\-–—]$/.test(text)) return 'goesOn';
  return last !== undefined && GOES_ON.has(last) ? 'goesOn' : 'open';
}

/**
 * How much longer than the usual silence to wait before the turn ends, given the words heard so
 * far: `extraMs` when they end mid-thought, 0 otherwise (nothing heard, a complete sentence).
 */
export function endOfThoughtWaitMs(heard: string, extraMs: number): number {
  return extraMs > 0 && thoughtState(heard) === 'goesOn' ? extraMs : 0;
}
