/** Builds findings with the message every surface shows: why it matters, then the fix. */
import type { ReviewFinding, ReviewSeverity } from '../../../protocol/review';

export function finding(init: Omit<ReviewFinding, 'message'>): ReviewFinding {
  return { ...init, message: `${init.why} Suggested fix: ${init.fix}` };
}

export const SEVERITY_ORDER: readonly ReviewSeverity[] = ['error', 'warning', 'information'];

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
