/** Figures as the webviews write them: token counts and what model calls cost. */

/** 950, 1.2k, 34k. */
export function tokens(count: number): string {
  return count >= 10_000 ? `${Math.round(count / 1000)}k` : count >= 1000 ? `${(count / 1000).toFixed(1)}k` : String(count);
}

/** What model calls cost: unpriced ones say so, a local server's are free. */
export function costText(costUsd: number | undefined): string {
  return costUsd === undefined ? 'no price for this model' : costUsd === 0 ? 'free (local)' : `$${costUsd.toFixed(costUsd < 0.01 ? 4 : 3)}`;
}
