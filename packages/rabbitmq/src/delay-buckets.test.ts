import { describe, expect, it } from 'vitest';
import { delayBucket, delayQueueExpiresMs, MAX_BUCKETS, MAX_DELAY_MS, redeclareEveryMs } from './delay-buckets.js';

describe('delayBucket', () => {
  it('never returns less than the delay and at most ~19% more', () => {
    for (const delay of [9, 10, 99, 100, 250, 1_000, 12_345, 3_600_000, 86_400_000]) {
      const bucket = delayBucket(delay);
      expect(bucket).toBeGreaterThanOrEqual(delay);
      expect(bucket).toBeLessThanOrEqual(Math.ceil(delay * 1.19) + 1);
    }
  });

  it('maps small delays to the first bucket and is stable', () => {
    expect(delayBucket(0)).toBe(8);
    expect(delayBucket(8)).toBe(8);
    expect(delayBucket(1000)).toBe(delayBucket(delayBucket(1000)));
  });

  it('keeps the number of distinct buckets bounded', () => {
    const buckets = new Set<number>();
    for (let d = 0; d < MAX_DELAY_MS; d = Math.floor(d * 1.05) + 1) buckets.add(delayBucket(d));
    buckets.add(delayBucket(MAX_DELAY_MS));
    expect(buckets.size).toBeLessThanOrEqual(MAX_BUCKETS);
  });

  it('rejects delays RabbitMQ cannot express', () => {
    expect(() => delayBucket(-1)).toThrow(RangeError);
    expect(() => delayBucket(MAX_DELAY_MS + 1)).toThrow(RangeError);
  });

  it('lets a re-declared delay queue outlive its longest message', () => {
    for (const bucket of [8, 1000, 3_600_000]) {
      expect(redeclareEveryMs(bucket) + bucket).toBeLessThan(delayQueueExpiresMs(bucket));
    }
  });
});
