/** Which of a query's words the hub's full-text leg matches on, from how common each is among the passages a user can see. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchedTerms, rarityOf } from '../../../server/hub/search';
import { stem } from '../../../server/knowledge/text';

/** The rarity the search uses, over `total` passages with these document frequencies by word. */
const rarity = (total: number, df: Record<string, number>) => rarityOf(total, new Map(Object.entries(df)));

describe('matchedTerms', () => {
  it('leaves out words in over 5 % of a large corpus and keeps the rest', () => {
    const r = rarity(100_000, { [stem('plugin')]: 40_000, [stem('note')]: 30_000, [stem('dataview')]: 2_400, [stem('calendar')]: 900 });
    assert.deepEqual(matchedTerms(['plugin', 'dataview', 'note', 'calendar'], r), ['dataview', 'calendar']);
  });

  it('matches every word of a small corpus, however common', () => {
    const r = rarity(40, { [stem('staging')]: 30, [stem('rollout')]: 40 });
    assert.deepEqual(matchedTerms(['staging', 'rollout'], r), ['staging', 'rollout']);
  });

  it('matches the rarest words when every word is common', () => {
    const r = rarity(100_000, { [stem('plugin')]: 40_000, [stem('note')]: 30_000, [stem('file')]: 30_000 });
    assert.deepEqual(matchedTerms(['plugin', 'note', 'file'], r), ['note', 'file']);
  });
});
