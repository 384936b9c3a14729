/**
 * The hub's metrics in the Prometheus text exposition format (version 0.0.4): counters,
 * histograms and gauges read when scraped. prom-client is the usual library for this; it is not
 * among Parley's dependencies yet, and the format needs only what is here (names, labels with
 * escaped values, cumulative buckets with +Inf, _sum and _count), so these few lines stand in
 * until it is.
 */

type Labels = Record<string, string>;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function number(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${number(value)}`);
    return lines;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i]!++;
    });
    entry.sum += value;
    entry.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText(labels, ['le', number(bound)])} ${counts[i]}`));
      lines.push(`${this.name}_bucket${labelText(labels, ['le', '+Inf'])} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${number(sum)}`, `${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

/** A value read when the metrics are scraped. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => { labels?: Labels; value: number }[],
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels = {}, value } of this.read()) lines.push(`${this.name}${labelText(labels)} ${number(value)}`);
    return lines;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }

  text(): string {
    return this.metrics.flatMap((metric) => metric.render()).join('\n') + '\n';
  }
}

/** Seconds: request and search latencies from a millisecond to ten seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface HubMetrics {
  registry: Registry;
  requests: Counter;
  requestSeconds: Histogram;
  searchSeconds: Histogram;
  rateLimited: Counter;
}

export function hubMetrics(pool: () => { total: number; idle: number; waiting: number }): HubMetrics {
  const registry = new Registry();
  const requests = registry.add(new Counter('parley_hub_requests_total', 'HTTP requests answered, by route, method and status.'));
  const requestSeconds = registry.add(new Histogram('parley_hub_request_duration_seconds', 'Time to answer an HTTP request, by route.', LATENCY_BUCKETS));
  const searchSeconds = registry.add(
    new Histogram('parley_hub_search_duration_seconds', 'Time a shared search took in the database and the fusion.', LATENCY_BUCKETS),
  );
  const rateLimited = registry.add(new Counter('parley_hub_rate_limited_total', 'Requests refused with 429 because their token was over its limit.'));
  registry.add(
    new Gauge('parley_hub_db_pool_connections', 'Database connections of this hub process, by state.', () => {
      const use = pool();
      return [
        { labels: { state: 'total' }, value: use.total },
        { labels: { state: 'idle' }, value: use.idle },
        { labels: { state: 'waiting_requests' }, value: use.waiting },
      ];
    }),
  );
  registry.add(new Gauge('process_resident_memory_bytes', 'Resident memory of this hub process.', () => [{ value: process.memoryUsage().rss }]));
  return { registry, requests, requestSeconds, searchSeconds, rateLimited };
}
