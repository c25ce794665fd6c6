// The whole conformance suite on the 3-broker Kafka cluster (topics replicated 3 times by the
// cluster's defaults), not the single test broker.
import { describeConformance, unreachableReason } from '@switchboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll } from 'vitest';
import { kafkaClusterUrl } from '../brokers/kafka-cluster.mjs';

await describeConformance({
  name: 'kafka (3-broker cluster)',
  url: kafkaClusterUrl,
  options: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 },
});

// Scenario topics (sbt-*) would otherwise pile up on a cluster kept running between runs.
afterAll(async () => {
  if ((await unreachableReason(kafkaClusterUrl)) !== undefined) return;
  const admin = new Kafka({ brokers: kafkaClusterUrl.replace('kafka://', '').split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith('sbt-'));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}, 60_000);
