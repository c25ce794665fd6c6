import { describe, expect, it } from 'vitest';
import { RetrySchema } from './config.js';
import { backoffDelay, sleep } from './retry.js';

describe('backoffDelay', () => {
  const policy = RetrySchema.parse({ initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0 });

  it('grows exponentially and is capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(policy, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('randomises the configured fraction of the delay', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffDelay(jittered, 2, () => 0)).toBe(100);
    expect(backoffDelay(jittered, 2, () => 1)).toBe(200);
  });
});

describe('sleep', () => {
  it('resolves false at once when aborted', async () => {
    const abort = new AbortController();
    const pending = sleep(60_000, abort.signal);
    abort.abort();
    await expect(pending).resolves.toBe(false);
  });
});
