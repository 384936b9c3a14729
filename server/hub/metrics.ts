/**
 * The hub's metrics for Prometheus, through prom-client: one registry per hub (so that two hubs
 * in one process, as in the tests, count apart), with the process's own figures (memory, CPU,
 * event-loop delay) beside the hub's.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: request and search latencies from a millisecond to ten seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

export interface HubMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  requestSeconds: Histogram<'route'>;
  searchSeconds: Histogram;
  rateLimited: Counter;
  busy: Counter;
}

export function hubMetrics(pool: () => PoolUse): HubMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'parley_hub_requests_total',
    help: 'HTTP requests answered, by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'parley_hub_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route.',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const searchSeconds = new Histogram({
    name: 'parley_hub_search_duration_seconds',
    help: 'Time a shared search took in the database and the fusion.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const rateLimited = new Counter({
    name: 'parley_hub_rate_limited_total',
    help: 'Requests refused with 429 because their token was over its limit.',
    registers,
  });
  const busy = new Counter({
    name: 'parley_hub_busy_total',
    help: 'Requests refused with 503 hub_busy because every database connection stayed in use.',
    registers,
  });
  // Read from the pool when scraped: a gauge set on every checkout would lag behind it anyway.
  new Gauge({
    name: 'parley_hub_db_pool_connections',
    help: 'Database connections of this hub process, by state (waiting_requests: requests waiting for one).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const use = pool();
      this.set({ state: 'total' }, use.total);
      this.set({ state: 'idle' }, use.idle);
      this.set({ state: 'waiting_requests' }, use.waiting);
    },
  });
  return { registry, requests, requestSeconds, searchSeconds, rateLimited, busy };
}
