import { unreachableReason } from '@switchboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { describe } from 'vitest';

/** Where the kafka suites connect, and group timings small enough for quick joins and takeovers. */
export const KAFKA_URL = process.env['KAFKA_URL'] ?? 'kafka://127.0.0.1:9092';

/** The host:port list of {@link KAFKA_URL}, for the plain kafkajs and Java clients the suites use as the other side. */
export const KAFKA_BROKERS = KAFKA_URL.replace(/^kafka:\/\//, '').replace(/\?.*$/, '').split(',');

/** Test-sized group timings (the broker allows sessions from 1 s and has no initial rebalance delay). */
export const FAST_GROUPS = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 200,
} as const;

const missing = await unreachableReason(KAFKA_URL);
if (missing !== undefined && process.env['CI'] === 'true') {
  throw new Error(`Kafka broker unreachable under CI=true: ${missing} (run pnpm brokers:up)`);
}

/** `describe` for suites that need the broker: skipped with the reason when it is not running (outside CI). */
export function describeWithBroker(name: string, body: () => void): void {
  if (missing === undefined) describe(name, body);
  else describe.skip(`${name} (skipped: ${missing}; run pnpm brokers:up)`, body);
}

/**
 * Best effort, for an `afterAll`: deletes the topics of `channels` and every topic derived from them
 * (`<channel>.<suffix>`: retry, delay, priority bucket, dead-letter and reply topics).
 */
export async function deleteChannelTopics(channels: readonly string[]): Promise<void> {
  const admin = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => channels.some((c) => t === c || t.startsWith(`${c}.`)));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch {
    // Scenario topics are prefixed and cleaned by the conformance suite too.
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
