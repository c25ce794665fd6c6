/**
 * Delays are grouped into buckets so that a channel needs a bounded number of delay queues
 * (jittered retry delays would otherwise make one queue per distinct millisecond). Each bucket's
 * upper bound is 2^(1/4) ≈ 1.19 times the previous one, starting at 8 ms: about 110 buckets up to
 * the ten-day ceiling.
 *
 * Every message keeps its exact delay as per-message TTL; RabbitMQ only expires a queue's head, so
 * a message can wait behind a longer one in its bucket, by at most the bucket width (~19%).
 */
export const MIN_BUCKET_MS = 8;
export const BUCKET_RATIO = 2 ** 0.25;
/** Ten days: keeps every delay queue's `x-expires` (2 × bucket + 1 min) inside RabbitMQ's 2^31-1 ms timer range. */
export const MAX_DELAY_MS = 10 * 24 * 3600 * 1000;
/** Worst-case lateness of a delayed message in percent of its delay. */
export const MAX_LATENESS_PERCENT = Math.round((BUCKET_RATIO - 1) * 100);
export const MAX_BUCKETS = Math.ceil(Math.log(MAX_DELAY_MS / MIN_BUCKET_MS) / Math.log(BUCKET_RATIO)) + 1;

/** The bucket (its upper bound in ms) a delay belongs to. Delays above the TTL ceiling throw. */
export function delayBucket(delayMs: number): number {
  if (!(delayMs >= 0) || delayMs > MAX_DELAY_MS) {
    throw new RangeError(`delay ${delayMs} ms is outside the supported 0..${MAX_DELAY_MS} ms (ten days)`);
  }
  if (delayMs <= MIN_BUCKET_MS) return MIN_BUCKET_MS;
  const step = Math.ceil(Math.log(delayMs / MIN_BUCKET_MS) / Math.log(BUCKET_RATIO) - 1e-9);
  return Math.ceil(MIN_BUCKET_MS * BUCKET_RATIO ** step);
}

/**
 * `x-expires` of a delay queue: long enough that the queue outlives every message it can hold
 * when re-declared at least every `redeclareEveryMs(bucket)`; it then vanishes when unused.
 */
export function delayQueueExpiresMs(bucketMs: number): number {
  return Math.min(2 ** 31 - 1, bucketMs * 2 + 60_000);
}

/** How often a publisher re-declares a delay queue it keeps using (a declare resets `x-expires`). */
export function redeclareEveryMs(bucketMs: number): number {
  return Math.floor((delayQueueExpiresMs(bucketMs) - bucketMs) / 2);
}
