/**
 * The one place where text bound for a model loses its secrets. Key shapes come from a maintained
 * rule set, secretlint's recommended preset (AWS, GCP, GitHub, GitLab, Slack, npm, OpenAI,
 * Anthropic, private-key blocks, database URLs with passwords, basic auth in URLs, …), plus the
 * few shapes it lacks (shapes.ts). Each match becomes `[redacted]`.
 *
 * Two of secretlint's choices are changed on purpose: AWS access key ids are scanned (off by
 * default there, as an id alone is not a credential, but it is half of one and names the
 * account), and the comment filter is off, since a repository could otherwise write
 * `secretlint-disable` above a key and hand it to the model.
 */
import { lintSource } from '@secretlint/core';
import { rules as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig, SecretLintCoreConfigRule } from '@secretlint/types';
import { keyShapesRule, PARLEY_SHAPES_RULE_ID } from './shapes';

export const REDACTED = '[redacted]';

const COMMENT_FILTER = '@secretlint/secretlint-rule-filter-comments';
const RULE_OPTIONS: Record<string, object> = { '@secretlint/secretlint-rule-aws': { enableIDScanRule: true } };

// The preset's rules one by one rather than the preset itself: a rule switched off inside a
// preset's configuration still runs (secretlint 13 honours `disabled` only at the top level).
const CONFIG: SecretLintCoreConfig = {
  rules: [
    ...recommended
      .filter((rule) => rule.meta.id !== COMMENT_FILTER)
      .map((rule): SecretLintCoreConfigRule => ({ id: rule.meta.id, rule, options: RULE_OPTIONS[rule.meta.id] ?? {} })),
    { id: PARLEY_SHAPES_RULE_ID, rule: keyShapesRule },
  ],
};

/**
 * Scanned in pieces of about this many characters, cut at line ends: secretlint's cost grows with
 * the square of the matches in one text (a 1.6 MB file of keys took 25 s whole, a few hundred
 * milliseconds in pieces), and no key spans lines except private-key blocks, which are kept whole.
 */
const PIECE_CHARS = 16 * 1024;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g;

type Range = readonly [number, number];

/** Where the text splits into pieces: at a line end past each PIECE_CHARS, never inside a private-key block. */
function pieceEnds(text: string): number[] {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m): Range => [m.index, m.index + m[0].length]);
  const ends: number[] = [];
  let start = 0;
  while (text.length - start > PIECE_CHARS) {
    let end = text.indexOf('\n', start + PIECE_CHARS);
    if (end < 0) break;
    const inside = blocks.find(([from, to]) => from < end && end < to);
    if (inside) end = inside[1];
    ends.push(end);
    start = end;
  }
  ends.push(text.length);
  return ends;
}

async function scanPiece(content: string): Promise<Range[]> {
  const result = await lintSource({ source: { filePath: 'text', content, contentType: 'text' }, options: { config: CONFIG, noPhysicFilePath: true } });
  return result.messages.map((message) => message.range);
}

const TOKEN_CHAR = /[A-Za-z0-9/+=_-]/;
// Base64 padding ends a key; backwards, '=' is where a name's assignment is.
const TOKEN_START_CHAR = /[A-Za-z0-9/+_-]/;

/**
 * A mask never starts or ends inside a run of key characters. Some rules report where the match
 * began but the length of the key alone (secretlint's AWS secret-key rule, with `key = "…"`), which
 * would leave the key's tail unmasked.
 */
function widen([from, to]: Range, text: string): Range {
  let start = from;
  let end = to;
  while (start > 0 && TOKEN_START_CHAR.test(text[start - 1]!) && TOKEN_START_CHAR.test(text[start]!)) start--;
  while (end < text.length && TOKEN_CHAR.test(text[end]!) && end > 0 && TOKEN_CHAR.test(text[end - 1]!)) end++;
  return [start, end];
}

/** The ranges of everything key-shaped in `text`, sorted and merged. */
export async function findSecrets(text: string): Promise<Range[]> {
  const ranges: Range[] = [];
  let start = 0;
  for (const end of pieceEnds(text)) {
    for (const [from, to] of await scanPiece(text.slice(start, end))) ranges.push(widen([start + from, start + to], text));
    start = end;
  }
  return merge(ranges);
}

function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** Quick test that lets ordinary text skip the scan: every shape has one of these marks or is a block. */
const MAYBE_SECRET = /[A-Za-z0-9_/+=-]{16,}|-----BEGIN|:\/\/[^\s/]*:[^\s/]*@/;

/** `text` with every key-shaped string replaced by `[redacted]`. */
export async function redactSecrets(text: string): Promise<string> {
  if (!MAYBE_SECRET.test(text)) return text;
  const ranges = await findSecrets(text);
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [from, to] of ranges) {
    out += text.slice(at, from) + REDACTED;
    at = to;
  }
  return out + text.slice(at);
}

/**
 * Loads and compiles the rule set ahead of the first request: the first scan costs about 25 ms
 * (the rules' set-up), later ones 1–4 ms for a whole turn's request, and a voice turn should not
 * pay the difference.
 */
export function warmUpSecretScan(): Promise<void> {
  return findSecrets('warm-up AKIAQYLPMN5HHHFPZAM2').then(() => undefined);
}
