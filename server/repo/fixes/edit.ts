/**
 * The model's answer to a fix request, checked before anything reaches the editor. The model must
 * answer with one JSON object that replaces whole lines it was shown:
 *
 *   {"summary": "Return a number", "edits": [{"startLine": 3, "endLine": 3, "lines": ["  return 1;"]}]}
 *
 * Lines are 1-based and inclusive; `lines` replaces them (an empty list deletes them). Anything
 * else — prose, a diff, lines outside the excerpt, a rewrite of half the file, an edit that would
 * write a redacted secret back — is rejected with a sentence the user can read, and nothing changes.
 */
import type { AnnotatedTextEdit } from 'vscode-languageserver/node';

export interface LineEdit {
  startLine: number;
  endLine: number;
  lines: string[];
}

export interface FixProposal {
  summary: string;
  edits: LineEdit[];
}

/** The model's answer cannot be applied; the message says why, for the user. */
export class FixRejected extends Error {
  override name = 'FixRejected';
}

export interface EditBounds {
  /** The document's lines (without line breaks). */
  lines: readonly string[];
  /** The first and last line (1-based) the model was shown: edits must stay inside. */
  first: number;
  last: number;
  /** Lines (1-based) shown to the model with a secret masked: rewriting them would write the mask back. */
  masked: ReadonlySet<number>;
}

export const MAX_EDITS = 8;
/** A minimal fix replaces a few lines; more than this is a rewrite, not a fix. */
export const MAX_REPLACED_LINES = 40;
export const MAX_NEW_LINES = 60;
const MAX_LINE_CHARS = 2000;
const NOTHING_CHANGED = 'so nothing was changed';

function jsonOf(answer: string): unknown {
  const trimmed = answer.trim();
  // The one concession to chat habits: the object alone in a fenced block.
  const fenced = /^```[a-z]*\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  try {
    return JSON.parse(fenced ? fenced[1]! : trimmed);
  } catch {
    const start = trimmed.slice(0, 80).replace(/\s+/g, ' ');
    throw new FixRejected(
      `The model did not answer with the JSON edit Parley asked for (it began "${start}${trimmed.length > 80 ? '…' : ''}"), ${NOTHING_CHANGED}.`,
    );
  }
}

function malformed(detail: string): FixRejected {
  return new FixRejected(`The model's edit is malformed (${detail}), ${NOTHING_CHANGED}.`);
}

function lineEditOf(raw: unknown, index: number): LineEdit {
  const edit = raw as Partial<Record<keyof LineEdit, unknown>> | null;
  if (typeof edit !== 'object' || edit === null) throw malformed(`edit ${index + 1} is not an object`);
  const { startLine, endLine, lines } = edit;
  if (!Number.isSafeInteger(startLine) || !Number.isSafeInteger(endLine)) throw malformed(`edit ${index + 1} needs whole-number startLine and endLine`);
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) throw malformed(`edit ${index + 1} needs "lines", a list of strings`);
  // A string with line breaks in it is several lines; splitting it loses nothing.
  return { startLine: startLine as number, endLine: endLine as number, lines: (lines as string[]).flatMap((line) => line.split(/\r?\n/)) };
}

/** Parses the answer's shape; `checkEdits` then holds the edits against the document. */
export function parseFixAnswer(answer: string): FixProposal {
  const value = jsonOf(answer) as { summary?: unknown; edits?: unknown } | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('expected a JSON object with "edits"');
  if (!Array.isArray(value.edits)) throw malformed('"edits" is missing or not a list');
  const summary = typeof value.summary === 'string' ? value.summary.trim() : '';
  return { summary, edits: value.edits.map(lineEditOf) };
}

function checkEdit(edit: LineEdit, bounds: EditBounds): void {
  const { startLine, endLine, lines } = edit;
  if (startLine < 1 || endLine < startLine || endLine > bounds.lines.length) {
    throw new FixRejected(
      `The model's edit names lines ${startLine}–${endLine}, which are not lines of this file (1–${bounds.lines.length}), ${NOTHING_CHANGED}.`,
    );
  }
  if (startLine < bounds.first || endLine > bounds.last) {
    throw new FixRejected(
      `The model's edit touches lines ${startLine}–${endLine}, outside the lines it was shown (${bounds.first}–${bounds.last}), ${NOTHING_CHANGED}.`,
    );
  }
  for (let line = startLine; line <= endLine; line++) {
    if (bounds.masked.has(line))
      throw new FixRejected(`The model's edit rewrites line ${line}, which holds a secret Parley masked before sending it, ${NOTHING_CHANGED}.`);
  }
  if (lines.some((line) => line.includes('[redacted]')))
    throw new FixRejected(`The model's edit would write Parley's "[redacted]" mask into the file, ${NOTHING_CHANGED}.`);
  if (lines.some((line) => line.length > MAX_LINE_CHARS)) throw malformed(`a line longer than ${MAX_LINE_CHARS} characters`);
}

/**
 * Holds the edits against the document: inside the excerpt, not overlapping, small, and changing
 * something. Returns them in document order. An empty list means the model found no safe fix.
 */
export function checkEdits(proposal: FixProposal, bounds: EditBounds): LineEdit[] {
  if (proposal.edits.length === 0) {
    throw new FixRejected(`The model found no safe minimal fix${proposal.summary ? `: ${proposal.summary}` : ''}; nothing was changed.`);
  }
  if (proposal.edits.length > MAX_EDITS)
    throw new FixRejected(`The model proposed ${proposal.edits.length} separate edits; a Parley fix has at most ${MAX_EDITS}, ${NOTHING_CHANGED}.`);
  const edits = [...proposal.edits].sort((a, b) => a.startLine - b.startLine);
  edits.forEach((edit) => checkEdit(edit, bounds));
  edits.slice(1).forEach((edit, index) => {
    if (edit.startLine <= edits[index]!.endLine) throw malformed(`edits overlap at line ${edit.startLine}`);
  });
  const replaced = edits.reduce((sum, edit) => sum + edit.endLine - edit.startLine + 1, 0);
  const added = edits.reduce((sum, edit) => sum + edit.lines.length, 0);
  if (replaced > MAX_REPLACED_LINES || added > MAX_NEW_LINES) {
    throw new FixRejected(
      `The model's edit replaces ${replaced} lines with ${added}; Parley applies only small fixes (at most ${MAX_REPLACED_LINES} lines), ${NOTHING_CHANGED}.`,
    );
  }
  const changes = edits.some((edit) => {
    const before = bounds.lines.slice(edit.startLine - 1, edit.endLine);
    return edit.lines.length !== before.length || edit.lines.some((line, index) => line !== before[index]);
  });
  if (!changes) throw new FixRejected(`The model's edit leaves every line as it was, ${NOTHING_CHANGED}.`);
  return edits;
}

/** The document's lines once `edits` (in document order, as checkEdits returns them) are applied. */
export function applyLineEdits(lines: readonly string[], edits: readonly LineEdit[]): string[] {
  const result: string[] = [];
  let next = 1;
  for (const edit of edits) {
    result.push(...lines.slice(next - 1, edit.startLine - 1), ...edit.lines);
    next = edit.endLine + 1;
  }
  result.push(...lines.slice(next - 1));
  return result;
}

/** The edits as LSP text edits on whole lines, written with the document's own line break. */
export function toTextEdits(edits: readonly LineEdit[], lines: readonly string[], eol: string, annotationId: string): AnnotatedTextEdit[] {
  const end = (line: number) => ({ line: line - 1, character: lines[line - 1]!.length });
  return edits.map(({ startLine, endLine, lines: replacement }) => {
    if (replacement.length > 0)
      return { range: { start: { line: startLine - 1, character: 0 }, end: end(endLine) }, newText: replacement.join(eol), annotationId };
    // Deleting lines removes their line breaks too: the one after them, or before them at the end of the file.
    if (endLine < lines.length)
      return { range: { start: { line: startLine - 1, character: 0 }, end: { line: endLine, character: 0 } }, newText: '', annotationId };
    const start = startLine > 1 ? end(startLine - 1) : { line: 0, character: 0 };
    return { range: { start, end: end(endLine) }, newText: '', annotationId };
  });
}
