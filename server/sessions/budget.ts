/**
 * A session's budget (parley.sessions.budgetUsd): what its answers cost so far against it, and the
 * warnings, each given once per session: at 80% of the budget, and once it is passed.
 */
import { budgetLevel, usdText, type BudgetLevel } from '../../protocol/session';

const RANK: Record<BudgetLevel, number> = { under: 0, near: 1, over: 2 };

export class BudgetWatch {
  /** The highest level each session was warned at. */
  private readonly warned = new Map<string, BudgetLevel>();

  /** The warning to give now, if the session's cost reached a level it was not warned at; none without a budget. */
  check(sessionId: string, costUsd: number | undefined, budgetUsd: number): string | undefined {
    if (budgetUsd <= 0 || costUsd === undefined) return undefined;
    const level = budgetLevel(costUsd, budgetUsd);
    if (RANK[level] <= RANK[this.warned.get(sessionId) ?? 'under']) return undefined;
    this.warned.set(sessionId, level);
    return level === 'over'
      ? `This session has cost ${usdText(costUsd)}, over its budget of ${usdText(budgetUsd)} (parley.sessions.budgetUsd). Parley goes on answering; start a new session or raise the budget.`
      : `This session has cost ${usdText(costUsd)}, ${Math.round((costUsd / budgetUsd) * 100)}% of its budget of ${usdText(budgetUsd)} (parley.sessions.budgetUsd).`;
  }
}
