/**
 * Activity over a session's time, kept by the minute while records stream in and merged at the
 * end into at most `MAX_BUCKETS` equal intervals, the coarsest a chart of the session needs.
 */
import type { TimelineBucket, TokenUsage } from '../../../protocol/logs';

const MINUTE_MS = 60_000;
const MAX_BUCKETS = 120;
const BUCKET_SIZES_MS = [1, 5, 15, 30, 60, 180, 360, 720, 1440].map((minutes) => minutes * MINUTE_MS);

type Counts = Omit<TimelineBucket, 'start'>;

function emptyCounts(): Counts {
  return { prompts: 0, toolCalls: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };
}

const COUNT_FIELDS = Object.keys(emptyCounts()) as (keyof Counts)[];

export class Timeline {
  private readonly minutes = new Map<number, Counts>();

  at(ms: number): Counts {
    const minute = Math.floor(ms / MINUTE_MS);
    let counts = this.minutes.get(minute);
    if (!counts) this.minutes.set(minute, (counts = emptyCounts()));
    return counts;
  }

  addUsage(ms: number, usage: TokenUsage): void {
    const counts = this.at(ms);
    counts.inputTokens += usage.input_tokens;
    counts.outputTokens += usage.output_tokens;
    counts.cacheReadTokens += usage.cache_read_input_tokens;
    counts.cacheCreationTokens += usage.cache_creation_input_tokens;
  }

  buckets(firstMs: number | undefined, lastMs: number | undefined): { buckets: TimelineBucket[]; bucketMs: number } {
    if (firstMs === undefined || lastMs === undefined) return { buckets: [], bucketMs: MINUTE_MS };
    const origin = Math.floor(firstMs / MINUTE_MS) * MINUTE_MS;
    const span = lastMs - origin + 1;
    const bucketMs = BUCKET_SIZES_MS.find((size) => span / size <= MAX_BUCKETS) ?? Math.ceil(span / MAX_BUCKETS / MINUTE_MS) * MINUTE_MS;
    const buckets: TimelineBucket[] = Array.from({ length: Math.ceil(span / bucketMs) }, (_, i) => ({
      start: new Date(origin + i * bucketMs).toISOString(),
      ...emptyCounts(),
    }));
    for (const [minute, counts] of this.minutes) {
      const bucket = buckets[Math.floor((minute * MINUTE_MS - origin) / bucketMs)];
      if (bucket) for (const field of COUNT_FIELDS) bucket[field] += counts[field];
    }
    return { buckets, bucketMs };
  }
}
