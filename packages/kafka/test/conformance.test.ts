import { describeConformance, unreachableReason } from '@switchboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll } from 'vitest';
import { FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

await describeConformance({ name: 'kafka', url: KAFKA_URL, options: { ...FAST_GROUPS } });

// Scenario topics (sbt-*) would otherwise pile up on a broker reused across runs.
afterAll(async () => {
  if ((await unreachableReason(KAFKA_URL)) !== undefined) return;
  const admin = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith('sbt-'));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}, 60_000);
