import { errorChain } from './kafka-errors.js';

export interface TransientRetryPolicy {
  retries: number;
  initialRetryTimeMs: number;
  maxRetryTimeMs: number;
}

/**
 * True when kafkajs marked the error (or its cause) retriable: leader moving, topic still being
 * created. Not when kafkajs already spent its own retries on it (a broker that stays down).
 */
export function isTransient(error: unknown): boolean {
  const chain = errorChain(error);
  return !chain.some((e) => e.name === 'KafkaJSNumberOfRetriesExceeded') && chain.some((e) => e.retriable === true);
}

/**
 * Runs `operation`, repeating it with exponential backoff while it fails transiently. Several
 * kafkajs admin calls give up at once on errors such as NOT_LEADER_FOR_PARTITION, which a freshly
 * created topic answers for a moment even after its leaders were reported.
 */
export async function retryTransient<T>(operation: () => Promise<T>, policy: TransientRetryPolicy, alsoTransient?: (error: unknown) => boolean): Promise<T> {
  let delay = Math.min(policy.initialRetryTimeMs, 100);
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.retries || !(isTransient(error) || alsoTransient?.(error) === true)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, policy.maxRetryTimeMs);
    }
  }
}

/**
 * kafkajs' `fetchTopicOffsets` on a topic created a moment ago can find partition metadata without
 * partitions yet and fails with a TypeError ("Cannot destructure property 'partitions' of
 * 'low.pop(...)'") that it marks non-retriable. The admin client re-reads metadata on every call,
 * so repeating the call succeeds once the topic's partitions are listed.
 */
export function isFreshTopicRace(error: unknown): boolean {
  return errorChain(error).some((e) => e.name === 'TypeError');
}
