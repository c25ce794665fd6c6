import { describe, expect, it } from 'vitest';
import { isFreshTopicRace, isTransient, retryTransient } from './transient-retry.js';

const policy = { retries: 3, initialRetryTimeMs: 1, maxRetryTimeMs: 4 };
const notLeader = Object.assign(new Error('not leader'), { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', retriable: true });

describe('retryTransient', () => {
  it('repeats transient failures, then succeeds', async () => {
    let calls = 0;
    const result = await retryTransient(async () => {
      if (++calls < 3) throw notLeader;
      return 'ok';
    }, policy);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the budget, and at once on permanent errors', async () => {
    let calls = 0;
    await expect(retryTransient(() => (calls++, Promise.reject(notLeader)), policy)).rejects.toBe(notLeader);
    expect(calls).toBe(4);
    calls = 0;
    await expect(retryTransient(() => (calls++, Promise.reject(new Error('bad'))), policy)).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });

  it('does not retry what kafkajs already retried', () => {
    expect(isTransient(notLeader)).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: notLeader }))).toBe(false);
  });

  it('retries the fresh-topic race kafkajs marks non-retriable when asked to', async () => {
    // kafkajs wraps its own TypeError from fetchTopicOffsets on a topic created a moment ago.
    const race = Object.assign(new Error('bail'), { name: 'KafkaJSNonRetriableError', retriable: false, cause: new TypeError("Cannot destructure property 'partitions'") });
    expect(isFreshTopicRace(race)).toBe(true);
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls < 3) throw race;
        return 'ok';
      },
      policy,
      isFreshTopicRace,
    );
    expect([result, calls]).toEqual(['ok', 3]);
    await expect(retryTransient(async () => Promise.reject(race), policy)).rejects.toBe(race);
  });
});
