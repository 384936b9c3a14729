/**
 * Spoken identifiers mapped to the code's real names: "get user by id" → `getUserById`, "main dot
 * ts" → `main.ts`, "the parse config function" → the `parseConfig` function. A recognizer writes
 * what it hears as words; a name of the workspace's vocabulary (vocabulary.ts: the repository map
 * around the active file, the open editors, the problems) replaces the words that spell its parts
 * closely enough (edit distance over the letters, spaces and punctuation aside), the better match
 * first and, between equal ones, the name ranked higher. Names too short or too plain to tell from
 * ordinary speech ("is valid", "run") are left alone.
 */

/** How far the heard letters may stray from a name's, as a share of the name's letters. */
const MAX_DISTANCE = 0.2;
/** Letters a name's spoken parts must have, at least, to be mapped. */
const MIN_LETTERS = 8;
/** Names compared per transcript, most relevant first. */
const MAX_NAMES = 400;

/** Where a name was heard: the words it replaced, and the name. */
export interface HeardName {
  heard: string;
  name: string;
}

export interface MappedText {
  text: string;
  names: HeardName[];
}

/**
 * The words a name is said as: camelCase, PascalCase, snake_case, kebab-case and acronyms split
 * ("HTTPServer" → http server), a file's dots said as "dot" ("main.ts" → main dot ts).
 */
export function spokenParts(name: string): string[] {
  return name
    .split(/(\.)/)
    .flatMap((piece) => (piece === '.' ? ['dot'] : piece.split(/[^\p{L}\p{N}]+/u)))
    .flatMap((piece) =>
      piece
        .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
        .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
        .replace(/(\p{L})(\p{N})/gu, '$1 $2')
        .replace(/(\p{N})(\p{L})/gu, '$1 $2')
        .split(' '),
    )
    .map((part) => part.toLowerCase())
    .filter(Boolean);
}

interface Word {
  text: string;
  start: number;
  end: number;
}

interface Candidate {
  first: number;
  last: number;
  name: string;
  distance: number;
  rank: number;
}

/** A name and the letters it may be heard as: with "dot" for a file's dots, and without. */
export interface Spelling {
  name: string;
  rank: number;
  forms: string[];
  /** A file's extension ("ts"), which must be heard as a word of its own: "the extension" is not `extension.js`. */
  extension?: string;
}

/** The spellings of the names worth mapping, most relevant first. */
export function spellings(names: readonly string[]): Spelling[] {
  const seen = new Set<string>();
  const result: Spelling[] = [];
  for (const name of names.slice(0, MAX_NAMES)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const parts = spokenParts(name);
    const spoken = parts.join('');
    if (parts.length < 2 || spoken.length < MIN_LETTERS) continue;
    const plain = parts.filter((part) => part !== 'dot').join('');
    const isFile = parts.at(-2) === 'dot';
    result.push({ name, rank: result.length, forms: plain === spoken ? [spoken] : [spoken, plain], ...(isFile ? { extension: parts.at(-1)! } : {}) });
  }
  return result;
}

/** `heard` with the spoken names of `names` (most relevant first) written as code. */
export function mapIdentifiers(heard: string, names: readonly string[] | readonly Spelling[]): MappedText {
  const known = typeof names[0] === 'string' ? spellings(names as readonly string[]) : (names as readonly Spelling[]);
  const words: Word[] = [...heard.matchAll(/[\p{L}\p{N}']+/gu)].map((match) => ({
    text: match[0].toLowerCase().replace(/'/g, ''),
    start: match.index,
    end: match.index + match[0].length,
  }));
  if (words.length === 0 || known.length === 0) return { text: heard, names: [] };
  const candidates: Candidate[] = [];
  for (const spelling of known) {
    for (const form of spelling.forms) {
      const allowed = Math.floor(form.length * MAX_DISTANCE);
      for (let first = 0; first < words.length; first++) {
        let letters = '';
        for (let last = first; last < words.length; last++) {
          letters += words[last]!.text;
          if (letters.length > form.length + allowed) break;
          if (letters.length < form.length - allowed) continue;
          if (spelling.extension !== undefined && words[last]!.text !== spelling.extension) continue;
          const distance = editDistance(letters, form, allowed);
          if (distance <= allowed) candidates.push({ first, last, name: spelling.name, distance: distance / form.length, rank: spelling.rank });
        }
      }
    }
  }
  // The closest matches first; between equals, the longer stretch of words, then the name ranked higher.
  candidates.sort((a, b) => a.distance - b.distance || b.last - b.first - (a.last - a.first) || a.rank - b.rank);
  const taken: Candidate[] = [];
  for (const candidate of candidates) {
    if (!taken.some((other) => candidate.first <= other.last && other.first <= candidate.last)) taken.push(candidate);
  }
  if (taken.length === 0) return { text: heard, names: [] };
  taken.sort((a, b) => a.first - b.first);
  let text = '';
  let at = 0;
  const found: HeardName[] = [];
  for (const { first, last, name } of taken) {
    let start = words[first]!.start;
    let end = words[last]!.end;
    // A spelt-out acronym's last dot ("by I.D. slow") goes with it, unless it ends the sentence.
    if (words[last]!.text.length === 1 && heard[end] === '.' && /^\s+\p{Ll}/u.test(heard.slice(end + 1))) end++;
    // A name already in backticks keeps them once.
    if (heard[start - 1] === '`' && heard[end] === '`') {
      start--;
      end++;
    }
    found.push({ heard: heard.slice(start, end), name });
    text += `${heard.slice(at, start)}\`${name}\``;
    at = end;
  }
  return { text: text + heard.slice(at), names: found };
}

/** Levenshtein distance between `a` and `b`, or `limit + 1` once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}
