/** The knowledge-base benches' question files and how a ranking of them is scored. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../test/support/paths';

export interface Question {
  query: string;
  /** The note that answers it, as a path in the vault. */
  relPath: string;
  /** Its 1-based position among the file's questions. */
  line: number;
}

/**
 * The tab-separated rows of `bench/<file>` (blank lines and `#` comments left out): the query, the
 * note that answers it, then whatever further columns the file has.
 */
export function questionRows(file: string): (Question & { rest: string[] })[] {
  return readFileSync(join(REPO, 'bench', file), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line, i) => {
      const [query, relPath, ...rest] = line.split('\t') as [string, string, ...string[]];
      return { query, relPath, line: i + 1, rest };
    });
}

/** The known-item questions of bench/kb-questions.tsv. */
export function knownItemQuestions(): Question[] {
  return questionRows('kb-questions.tsv').map(({ query, relPath, line }) => ({ query, relPath, line }));
}

export interface OwnWordQuestion extends Question {
  /** Which half: the note weight was tuned on `tune`; `held-out` tuned nothing. */
  half: 'tune' | 'held-out';
}

/** The questions of bench/kb-questions-own-words.tsv, written from each note's title and folder only. */
export function ownWordQuestions(): OwnWordQuestion[] {
  return questionRows('kb-questions-own-words.tsv').map(({ rest: [half], ...question }) => {
    if (half !== 'tune' && half !== 'held-out') throw new Error(`kb-questions-own-words.tsv line ${question.line}: half is "${half}"`);
    return { ...question, half };
  });
}

/** The 1-based rank of the first result `answers` accepts, or undefined when none does. */
export function rankOf<T>(results: readonly T[], answers: (result: T) => boolean): number | undefined {
  const found = results.findIndex(answers);
  return found >= 0 ? found + 1 : undefined;
}

/** MRR@10 and Recall@10 from the 1-based rank of each question's note (undefined: not in the top 10). */
export function scored(ranks: readonly (number | undefined)[]): { mrr: number; recall: number } {
  return { mrr: ranks.reduce<number>((sum, rank) => sum + (rank ? 1 / rank : 0), 0) / ranks.length, recall: ranks.filter(Boolean).length / ranks.length };
}
