/** What the hub's search makes of the counts it keeps: which words it matches on, their rarity for BM25, and the average lengths. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpusOf } from '../../../server/hub/search';
import { POSTING_BUDGET, withinPostingBudget } from '../../../server/knowledge/search';

const df: Record<string, number> = { plugin: 40_000, note: 30_000, dataview: 2_400, calendar: 900, staging: 30, rollout: 40 };
const postings = (term: string) => df[term] ?? 0;

describe('the words a full-text match walks', () => {
  it('are the rarest while their passages fit the budget, in the query order', () => {
    assert.deepEqual(withinPostingBudget(['plugin', 'dataview', 'note', 'calendar'], postings, POSTING_BUDGET), ['dataview', 'calendar']);
    assert.deepEqual(withinPostingBudget(['calendar', 'dataview'], postings, 3_000), ['calendar']);
  });

  it('are every word of a small corpus, however common there', () => {
    assert.deepEqual(withinPostingBudget(['staging', 'rollout'], postings, POSTING_BUDGET), ['staging', 'rollout']);
  });

  it('keep the rarest word when every word is over the budget', () => {
    assert.deepEqual(withinPostingBudget(['plugin', 'note'], postings, POSTING_BUDGET), ['note']);
  });
});

describe("the hub's view of the corpus a user can see", () => {
  const corpus = corpusOf({ passages: 1_000, passageWords: 34_000, notes: 250, noteWords: 30_000 }, new Map(Object.entries({ deploy: 10, the: 990 })));

  it('averages the passages and notes from the kept sums', () => {
    assert.equal(corpus.averagePassage, 34);
    assert.equal(corpus.averageNote, 120);
  });

  it("weighs a word by FTS5's BM25 rarity, never below 1e-6, and an unknown word as the rarest", () => {
    assert.ok(Math.abs(corpus.bm25Idf('deploy') - Math.log(990.5 / 10.5)) < 1e-12);
    assert.equal(corpus.bm25Idf('the'), 1e-6);
    assert.ok(corpus.bm25Idf('zebra') > corpus.bm25Idf('deploy'));
    assert.ok(Math.abs(corpus.idf('deploy') - Math.log(1_001 / 10.5)) < 1e-12);
  });

  it('is sound for a user who can see nothing yet', () => {
    const empty = corpusOf({ passages: 0, passageWords: 0, notes: 0, noteWords: 0 }, new Map());
    assert.deepEqual([empty.averagePassage, empty.averageNote, empty.passagesWith('deploy')], [1, 1, 0]);
    assert.ok(Number.isFinite(empty.bm25Idf('deploy')));
  });
});
