/**
 * Reviews by commit: a review of a clean work tree at a commit is kept, and asking again for the
 * same commit, with the same exclusions and the same model, opens it without scanning or asking
 * the model. One file per repository, holding its latest review, written atomically.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReviewFinding, ReviewSummary } from '../../../protocol/review';

/** Bumped when findings or the report change shape, so older cached reviews are not shown. */
const CACHE_VERSION = 2;

interface CacheEntry {
  version: number;
  key: string;
  summary: ReviewSummary;
  findings: ReviewFinding[];
}

export function reviewCacheKey(parts: Record<string, unknown>): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('hex');
}

export class ReviewCache {
  constructor(private readonly dir: string) {}

  private file(root: string): string {
    return join(this.dir, `review-${createHash('sha1').update(root).digest('hex').slice(0, 16)}.json`);
  }

  get(root: string, key: string): { summary: ReviewSummary; findings: ReviewFinding[] } | undefined {
    try {
      const entry = JSON.parse(readFileSync(this.file(root), 'utf8')) as CacheEntry;
      if (entry.version !== CACHE_VERSION || entry.key !== key) return undefined;
      return { summary: entry.summary, findings: entry.findings };
    } catch {
      // Nothing cached yet, or a damaged file: reviewing again is the recovery.
      return undefined;
    }
  }

  set(root: string, key: string, summary: ReviewSummary, findings: ReviewFinding[]): void {
    const entry: CacheEntry = { version: CACHE_VERSION, key, summary, findings };
    mkdirSync(this.dir, { recursive: true });
    const file = this.file(root);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(entry));
    renameSync(temporary, file);
  }
}
