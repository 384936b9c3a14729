/** Builds findings with the message every surface shows (why it matters, then the fix) and a stable id. */
import { createHash } from 'node:crypto';
import type { Certainty, ReviewFinding, ReviewSeverity } from '../../../protocol/review';

export interface FindingInit extends Omit<ReviewFinding, 'message' | 'id'> {
  /**
   * What makes this finding the same one in the next review (a cycle's members, a module's name);
   * default its file and title with the numbers in the title masked, so a count or a size that
   * changes does not make it a new finding.
   */
  key?: string;
}

const CERTAINTY_WORDS: Record<Certainty, string> = {
  certain: '',
  likely: ' (A judgement from the facts above; you may know better.)',
  heuristic: ' (A rule of thumb, not a defect found in the code: dismiss it if it does not fit this repository.)',
};

export function findingId(kind: string, key: string): string {
  return `${kind}-${createHash('sha256').update(`${kind}\0${key}`).digest('hex').slice(0, 12)}`;
}

export function finding({ key, ...init }: FindingInit): ReviewFinding {
  const id = findingId(init.kind, key ?? `${init.file}\0${init.title.replace(/\d+(\.\d+)?/g, '#')}`);
  const hedge = init.certainty ? CERTAINTY_WORDS[init.certainty] : '';
  return { id, ...init, message: `${init.why}${hedge} Suggested fix: ${init.fix}` };
}

export const SEVERITY_ORDER: readonly ReviewSeverity[] = ['error', 'warning', 'information'];

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
