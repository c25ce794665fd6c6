// Failover on a 3-node RabbitMQ cluster (pnpm brokers:up --cluster): the group queue of a durable
// channel is a quorum queue; its leader's node is killed with SIGKILL during 10,000 confirmed
// publishes, then every node is restarted in turn.
import { randomBytes } from 'node:crypto';
import { connect, type Bus } from '@switchboard/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLUSTER_NODES, clusterCtl, clusterUrl, killNode, rabbitClusterStatus, runningNodes, startNode, stopNode } from '../brokers/rabbitmq-cluster.mjs';
import { describeWithCluster, until } from './cluster-env.js';
import { describeFigures, runFailoverLoad } from './failover-load.js';

type Node = (typeof CLUSTER_NODES)[number];
const quiet = { log: () => {} };
const status = await rabbitClusterStatus();
const alive = (): Node => CLUSTER_NODES.find((node) => node.name !== downNode)!;
let downNode: string | undefined;

async function queueInfo(queue: string): Promise<{ leader: string; members: string[]; online: string[] }> {
  const out = await clusterCtl(alive(), ['list_queues', 'name', 'leader', 'members', 'online', '--formatter', 'json']);
  const rows = JSON.parse(out.slice(out.indexOf('['))) as { name: string; leader: string; members: string[]; online: string[] }[];
  const row = rows.find((r) => r.name === queue);
  if (row === undefined) throw new Error(`queue ${queue} not listed`);
  return row;
}

/** The node is back: a running cluster member, and the queue has all three members online. */
async function awaitRejoined(node: Node, queue: string): Promise<void> {
  await until(`${node.name} running in the cluster`, async () => (await runningNodes(alive())).includes(node.name));
  await until(`every member of ${queue} online`, async () => (await queueInfo(queue)).online.length === CLUSTER_NODES.length, 120_000, 500);
}

describeWithCluster('rabbitmq 3-node cluster failover', status, () => {
  const channel = `sbc-failover-${randomBytes(4).toString('hex')}`;
  const queue = `${channel}:g`;
  let bus: Bus<never>;

  beforeAll(async () => {
    bus = (await connect({
      url: clusterUrl(),
      channels: { [channel]: { requires: { durable: true }, groups: ['g'] } },
    })) as unknown as Bus<never>;
  });

  afterAll(async () => {
    await bus?.close();
    // Whatever failed, leave every node running and the test queue gone.
    for (const node of CLUSTER_NODES) await startNode(node, quiet);
    await clusterCtl(CLUSTER_NODES[0], ['delete_queue', queue]).catch(() => {});
  });

  it('declares the durable channel\'s group queue as a quorum queue with a member on every node', async () => {
    const out = await clusterCtl(CLUSTER_NODES[0], ['list_queues', 'name', 'type', '--formatter', 'json']);
    expect(JSON.parse(out.slice(out.indexOf('['))).find((r: { name: string }) => r.name === queue)).toMatchObject({ type: 'quorum' });
    expect((await queueInfo(queue)).members.sort()).toEqual(CLUSTER_NODES.map((n) => n.name).sort());
    expect(bus.report().channels[channel]?.durable?.detail).toContain('group queues are quorum queues');
  });

  it('kill -9 of the queue leader\'s node during 10,000 confirmed publishes: nothing confirmed is lost', async () => {
    const before = await queueInfo(queue);
    const victim = CLUSTER_NODES.find((node) => node.name === before.leader)!;
    try {
      const figures = await runFailoverLoad({
        bus,
        channel,
        group: 'g',
        total: 10_000,
        faultAfter: 3000,
        fault: async () => {
          downNode = victim.name;
          await killNode(victim, quiet);
        },
      });
      const after = await queueInfo(queue);
      console.log(`${describeFigures(`rabbitmq kill -9 of ${victim.name} (queue leader, first in the client's host list)`, figures)}; new leader ${after.leader}`);
      expect(figures.confirmed).toBe(10_000);
      expect(figures.lost).toBe(0);
      expect(after.leader).not.toBe(victim.name);
    } finally {
      await startNode(victim, quiet);
      downNode = undefined;
      await awaitRejoined(victim, queue);
    }
  });

  it('rolling restart of all three nodes under load: nothing confirmed is lost', async () => {
    const figures = await runFailoverLoad({
      bus,
      channel,
      group: 'g',
      total: 3000,
      faultAfter: 500,
      whileFault: true,
      ratePerSecond: 400,
      fault: async () => {
        for (const node of CLUSTER_NODES) {
          // As RabbitMQ advises: only stop a node whose loss leaves every quorum queue a majority.
          await until(`${node.name} not quorum-critical`, () => clusterCtl(node, ['check_if_node_is_quorum_critical'], { tool: 'rabbitmq-queues' }).then(() => true), 120_000, 500);
          downNode = node.name;
          await stopNode(node, quiet);
          await startNode(node, quiet);
          downNode = undefined;
          await awaitRejoined(node, queue);
        }
      },
    });
    console.log(describeFigures('rabbitmq rolling restart of 3 nodes', figures));
    expect(figures.lost).toBe(0);
    expect(figures.confirmed).toBeGreaterThanOrEqual(3000);
  });
});
