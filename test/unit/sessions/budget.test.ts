/** A session's budget: the level a cost stands at, and each warning given once per session. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetLevel } from '../../../protocol/session';
import { BudgetWatch } from '../../../server/sessions/budget';

describe('session budget', () => {
  it('is under below 80%, near from 80% to the budget, over past it', () => {
    assert.equal(budgetLevel(0.79, 1), 'under');
    assert.equal(budgetLevel(0.8, 1), 'near');
    // Summed fractions land a hair off: 0.0014 × 0.8 is 0.0011200000000000001 in floating point.
    assert.equal(budgetLevel(2 * 0.00056, 0.0014), 'near');
    assert.equal(budgetLevel(1, 1), 'near');
    assert.equal(budgetLevel(1.01, 1), 'over');
  });

  it('warns once at 80% and once past the budget, per session, and never without a budget or a price', () => {
    const watch = new BudgetWatch();
    assert.equal(watch.check('a', 0.5, 1), undefined);
    assert.match(watch.check('a', 0.85, 1) ?? '', /cost \$0\.8500, 85% of its budget of \$1\.00/);
    assert.equal(watch.check('a', 0.9, 1), undefined);
    assert.equal(watch.check('a', 1.2, 3), undefined, 'a higher budget is under again, and was warned already');
    assert.match(watch.check('a', 1.5, 1) ?? '', /over its budget of \$1\.00/);
    assert.equal(watch.check('a', 2, 1), undefined);
    // Another session is warned on its own; a session straight past its budget hears only that.
    assert.match(watch.check('b', 5, 1) ?? '', /over its budget/);
    assert.equal(watch.check('c', 5, 0), undefined);
    assert.equal(watch.check('c', undefined, 1), undefined);
  });
});
