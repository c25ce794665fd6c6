// The whole conformance suite on the 3-node RabbitMQ cluster with every group queue a quorum
// queue (bus option queueType: 'quorum'): what production runs, not the single test node.
import { describeConformance } from '@switchboard/testkit';
import { afterAll } from 'vitest';
import { CLUSTER_NODES, clusterCtl, clusterUrl, rabbitClusterStatus } from '../brokers/rabbitmq-cluster.mjs';

await describeConformance({ name: 'rabbitmq (3-node cluster, quorum queues)', url: clusterUrl(), options: { queueType: 'quorum' } });

// Scenario queues and exchanges (sbt-*) would otherwise pile up on a cluster kept running between runs.
afterAll(async () => {
  if (!(await rabbitClusterStatus()).up) return;
  const list = async (what: string) =>
    ((await clusterCtl(CLUSTER_NODES[0], [what, 'name', '--no-table-headers'])) as string)
      .split('\n')
      .map((line: string) => line.trim())
      .filter((name: string) => name.startsWith('sbt-'));
  const [queues, exchanges] = [await list('list_queues'), await list('list_exchanges')];
  const { connect } = await import('amqplib');
  const connection = await connect(clusterUrl().split(',')[0] as string);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}, 120_000);
