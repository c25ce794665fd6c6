// Failover on a 3-broker KRaft cluster (pnpm brokers:up --cluster): a durable channel's topic is
// created with replication factor 3 and min.insync.replicas 2; the broker leading most of its
// partitions is killed with SIGKILL during 10,000 confirmed publishes, then every broker is
// restarted in turn.
import { randomBytes } from 'node:crypto';
import { connect, type Bus } from '@switchboard/core';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KAFKA_CLUSTER_NODES, kafkaClusterStatus, kafkaClusterUrl, kafkaNodeUp } from '../brokers/kafka-cluster.mjs';
import { describeWithCluster, until } from './cluster-env.js';
import { describeFigures, runFailoverLoad } from './failover-load.js';

const quiet = { log: () => {} };

/** Counts what the backend logs during a load (commit failures, re-sent partitions), for the figures. */
const notes = {
  counts: new Map<string, number>(),
  logger: {
    debug: (message: string) => notes.note('debug', message),
    info: () => {},
    warn: (message: string) => notes.note('warn', message),
    error: (message: string) => notes.note('error', message),
  },
  note(level: string, message: string): void {
    const kind = /could not commit/.test(message) ? 'commit failures' : /without an acknowledgement/.test(message) ? 'partitions re-sent (kafkajs#1303)' : level === 'debug' ? undefined : `other ${level}s`;
    if (kind !== undefined) notes.counts.set(kind, (notes.counts.get(kind) ?? 0) + 1);
  },
  take(): string {
    const text = [...notes.counts].map(([k, v]) => `${k}: ${v}`).join(', ') || 'nothing logged';
    notes.counts.clear();
    return text;
  },
};
const status = await kafkaClusterStatus();
const brokers = kafkaClusterUrl.replace('kafka://', '').split(',');
/** Test-sized group timings, as in the single-broker suites. */
const FAST_GROUPS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 };

describeWithCluster('kafka 3-broker cluster failover', status, () => {
  const channel = `sbc-failover-${randomBytes(4).toString('hex')}`;
  let bus: Bus<never>;
  let admin: Admin;

  const partitions = async () => (await admin.fetchTopicMetadata({ topics: [channel] })).topics[0]!.partitions;
  /** Every partition has a leader and all three replicas in sync. */
  const fullyReplicated = async () => (await partitions()).every((p) => p.leader >= 0 && p.isr.length === KAFKA_CLUSTER_NODES.length);

  beforeAll(async () => {
    admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    bus = (await connect({ url: kafkaClusterUrl, options: FAST_GROUPS, logger: notes.logger, channels: { [channel]: { requires: { durable: true }, groups: ['g'] } } })) as unknown as Bus<never>;
  });

  afterAll(async () => {
    await bus?.close();
    for (const node of KAFKA_CLUSTER_NODES) await kafkaNodeUp(node, quiet);
    await admin?.deleteTopics({ topics: [channel, `${channel}.dead`] }).catch(() => {});
    await admin?.disconnect();
  });

  it('creates the durable channel\'s topic with replication factor 3 and min.insync.replicas 2', async () => {
    expect((await partitions()).map((p) => p.replicas.length)).toEqual([3, 3, 3]);
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: channel, configNames: ['min.insync.replicas'] }] });
    expect(resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue).toBe('2');
  });

  it('kill -9 of the broker leading the most partitions during 10,000 confirmed publishes: nothing confirmed is lost', async () => {
    const leaders = (await partitions()).map((p) => p.leader);
    const counts = new Map<number, number>();
    for (const id of leaders) counts.set(id, (counts.get(id) ?? 0) + 1);
    const victimId = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const victim = KAFKA_CLUSTER_NODES.find((node) => node.nodeId === victimId)!;
    try {
      const figures = await runFailoverLoad({ bus, channel, group: 'g', total: 10_000, faultAfter: 3000, fault: () => victim.kill(quiet) });
      const after = (await partitions()).map((p) => p.leader);
      console.log(`${describeFigures(`kafka kill -9 of broker ${victimId} (leader of ${counts.get(victimId)} of 3 partitions)`, figures)}; leaders before ${leaders.join(',')}, after ${after.join(',')}; backend: ${notes.take()}`);
      expect(figures.confirmed).toBe(10_000);
      expect(figures.lost).toBe(0);
      expect(after).not.toContain(victimId);
    } finally {
      await kafkaNodeUp(victim, quiet);
      await until('every partition fully replicated again', fullyReplicated);
    }
  });

  it('rolling restart of all three brokers under load: nothing confirmed is lost', async () => {
    const figures = await runFailoverLoad({
      bus,
      channel,
      group: 'g',
      total: 3000,
      faultAfter: 500,
      whileFault: true,
      ratePerSecond: 400,
      fault: async () => {
        for (const node of KAFKA_CLUSTER_NODES) {
          await until('every partition fully replicated before the next restart', fullyReplicated);
          await node.down(quiet); // SIGTERM: controlled shutdown moves its leaderships first
          await kafkaNodeUp(node, quiet);
        }
        await until('every partition fully replicated after the last restart', fullyReplicated);
      },
    });
    console.log(`${describeFigures('kafka rolling restart of 3 brokers', figures)}; backend: ${notes.take()}`);
    expect(figures.lost).toBe(0);
    expect(figures.confirmed).toBeGreaterThanOrEqual(3000);
  });
});
