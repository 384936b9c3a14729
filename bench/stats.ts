/** Medians and ratios: these machines are shared and noisy, so no single run is trusted. */

/** A seeded generator of numbers in [0, 1), so that a generated corpus is the same in every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value at percentile `p` (0–100), nearest rank: at least p% of the values are at or below it. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((sorted.length * p) / 100) - 1))]!;
}

export interface Row {
  metric: string;
  median: number;
  unit: string;
  baseline?: { name: string; median: number };
  budget?: number;
}

export function printTable(title: string, rows: Row[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| metric | median | baseline (same run) | ratio | budget |',
    '|---|---|---|---|---|',
    ...rows.map((row) => {
      const value = `${round(row.median)} ${row.unit}`;
      const baseline = row.baseline ? `${row.baseline.name}: ${round(row.baseline.median)} ${row.unit}` : '—';
      const ratio = row.baseline ? `${(row.median / row.baseline.median).toFixed(2)}×` : '—';
      const budget = row.budget === undefined ? '—' : `${row.budget} ${row.unit} ${row.median <= row.budget ? '✓' : '✗'}`;
      return `| ${row.metric} | ${value} | ${baseline} | ${ratio} | ${budget} |`;
    }),
  ];
  const text = lines.join('\n');
  console.log(text);
  return text;
}

const round = (value: number) => (value >= 100 ? Math.round(value) : Math.round(value * 10) / 10);
