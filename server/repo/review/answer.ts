/**
 * The model's answer for one module, checked strictly before anything of it is believed: JSON
 * of exactly the asked shape, every finding in a file the review knows and within its lines. An
 * answer that fails is rejected whole with a sentence saying what was wrong, so a confused model
 * cannot put findings at invented places.
 */
import { REVIEW_SEVERITIES, type ReviewFinding, type ReviewSeverity } from '../../../protocol/review';
import { AnswerError, jsonAnswer } from '../../providers/llm/whole';
import { finding } from '../findings/finding';

export { AnswerError };

/** The shape the prompt asks for, as the prompt shows it. */
export const ANSWER_SHAPE = `{"findings": [{"title": "short summary, at most 80 characters", "explanation": "why it matters", "file": "path/as/listed.ts", "startLine": 12, "endLine": 18, "severity": "error" | "warning" | "information", "fix": "the concrete change to make"}]}`;

const MAX_TITLE_CHARS = 120;
const MAX_FINDINGS = 20;

function text(item: Record<string, unknown>, field: string, at: string, max?: number): string {
  const value = item[field];
  if (typeof value !== 'string' || value.trim() === '') throw new AnswerError(`${at}: "${field}" must be a non-empty string`);
  if (max && value.length > max) throw new AnswerError(`${at}: "${field}" is longer than ${max} characters`);
  return value.trim();
}

function lineNumber(item: Record<string, unknown>, field: string, at: string, lines: number): number {
  const value = item[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new AnswerError(`${at}: "${field}" must be a line number (a whole number from 1)`);
  if (value > lines) throw new AnswerError(`${at}: "${field}" ${value} is past the end of the file (${lines} lines)`);
  return value;
}

function parseItem(raw: unknown, index: number, fileLines: (path: string) => number | undefined): ReviewFinding {
  const at = `finding ${index + 1}`;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new AnswerError(`${at} is not an object`);
  const item = raw as Record<string, unknown>;
  const file = text(item, 'file', at).replace(/^\.\//, '');
  const lines = fileLines(file);
  if (lines === undefined) throw new AnswerError(`${at}: "${file}" is not a file of this review`);
  const startLine = lineNumber(item, 'startLine', at, lines);
  const endLine = item.endLine === undefined ? startLine : lineNumber(item, 'endLine', at, lines);
  if (endLine < startLine) throw new AnswerError(`${at}: "endLine" ${endLine} is before "startLine" ${startLine}`);
  const severity = item.severity;
  if (typeof severity !== 'string' || !(REVIEW_SEVERITIES as readonly string[]).includes(severity))
    throw new AnswerError(`${at}: "severity" must be one of ${REVIEW_SEVERITIES.join(', ')}`);
  return finding({
    file,
    line: startLine,
    ...(endLine > startLine ? { endLine } : {}),
    severity: severity as ReviewSeverity,
    kind: 'llm',
    title: text(item, 'title', at, MAX_TITLE_CHARS),
    why: text(item, 'explanation', at),
    fix: text(item, 'fix', at),
  });
}

/**
 * The findings in a model's answer. `fileLines` gives the line count of each file the model may
 * name (undefined for any other path). Throws AnswerError saying what is wrong.
 */
export function parseAnswer(answer: string, fileLines: (path: string) => number | undefined): ReviewFinding[] {
  const parsed = jsonAnswer(answer);
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as { findings?: unknown }).findings)) {
    throw new AnswerError('the answer is JSON but not {"findings": [...]}');
  }
  const items = (parsed as { findings: unknown[] }).findings;
  if (items.length > MAX_FINDINGS) throw new AnswerError(`the answer has ${items.length} findings; at most ${MAX_FINDINGS} were asked for`);
  return items.map((item, index) => parseItem(item, index, fileLines));
}
