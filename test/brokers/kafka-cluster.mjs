#!/usr/bin/env node
// A 3-broker KRaft Kafka cluster on this machine for the failover tests, from the same Maven jars
// as the single test broker: nodes 1-3 are each broker and controller (a 3-voter quorum), on
// 127.0.0.1:19092-19094 (controllers 19192-19194), with small heaps. Internal topics are
// replicated 3 times with min.insync.replicas=2, as on a production cluster.
// Usage: node test/brokers/kafka-cluster.mjs up|down|status
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, createKafkaNode, defaultLog, HOST, kafkaMetadataProbe } from './kafka-node.mjs';

const VERSION = process.env.SWITCHBOARD_KAFKA_VERSION || '3.9';
const BASE = path.join(CACHE, `kafka-${VERSION}-cluster`);
const IDS = [1, 2, 3];
const VOTERS = IDS.map((id) => `${id}@${HOST}:${19191 + id}`).join(',');

const REPLICATION = {
  'default.replication.factor': 3,
  'min.insync.replicas': 2,
  'offsets.topic.replication.factor': 3,
  'offsets.topic.num.partitions': 3,
  'transaction.state.log.replication.factor': 3,
  'transaction.state.log.min.isr': 2,
  'transaction.state.log.num.partitions': 3,
  // Never elect a replica that missed confirmed writes.
  'unclean.leader.election.enable': false,
  // A broker coming back catches up and takes its preferred partitions back quickly.
  'leader.imbalance.check.interval.seconds': 10,
  'auto.create.topics.enable': false,
};

export const KAFKA_CLUSTER_NODES = IDS.map((id) =>
  createKafkaNode({
    version: VERSION,
    nodeId: id,
    port: 19091 + id,
    controllerPort: 19191 + id,
    voters: VOTERS,
    dir: path.join(BASE, `node-${id}`),
    clusterIdFile: path.join(BASE, 'cluster.id'),
    overrides: REPLICATION,
    heap: '-Xms256m -Xmx512m',
    label: `kafka ${VERSION} node ${id}`,
  }),
);

/** kafka:// URL listing every broker. */
export const kafkaClusterUrl = `kafka://${KAFKA_CLUSTER_NODES.map((node) => `${HOST}:${node.port}`).join(',')}`;

/** A starting cluster serves once each node's Metadata lists all three brokers (registered and unfenced). */
const allRegistered = (node) => async () => (await kafkaMetadataProbe({ port: node.port, minBrokers: IDS.length })).ok;
/** A restarted node serves once it lists itself (the others may be down, e.g. during a failover test). */
const registered = (node) => async () => (await kafkaMetadataProbe({ port: node.port, nodeId: node.nodeId })).ok;

/**
 * Starts the cluster. From cold (no node running) the data dirs are wiped and formatted afresh
 * with one cluster id, so every run starts from the same empty cluster. The three nodes start
 * together: a controller quorum needs two voters before any broker registers.
 */
export async function kafkaClusterUp({ log = defaultLog } = {}) {
  const t0 = Date.now();
  if (KAFKA_CLUSTER_NODES.every((node) => !node.pid())) fs.rmSync(BASE, { recursive: true, force: true });
  fs.mkdirSync(BASE, { recursive: true });
  // Format and start all three first (none can become ready alone), then wait for each.
  for (const node of KAFKA_CLUSTER_NODES) await node.up({ log, wait: false });
  for (const node of KAFKA_CLUSTER_NODES) await node.ready({ ready: allRegistered(node) });
  log(`kafka ${VERSION} cluster up (${KAFKA_CLUSTER_NODES.map((n) => n.port).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Starts one node again on its data and waits until it is registered (unfenced) in the cluster. */
export async function kafkaNodeUp(node, { log = defaultLog } = {}) {
  await node.up({ log, ready: registered(node) });
}

export async function kafkaClusterDown({ log = defaultLog } = {}) {
  await Promise.all(KAFKA_CLUSTER_NODES.map((node) => node.down({ log })));
  log(`kafka ${VERSION} cluster stopped`);
}

export async function kafkaClusterStatus() {
  const nodes = await Promise.all(KAFKA_CLUSTER_NODES.map(async (node) => ({ id: node.nodeId, port: node.port, pid: node.pid(), ...(await kafkaMetadataProbe({ port: node.port, minBrokers: IDS.length })) })));
  const up = nodes.every((node) => node.ok);
  return { up, reason: up ? null : nodes.filter((n) => !n.ok).map((n) => `node ${n.id}: ${n.reason}`).join('; '), nodes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cmd = process.argv[2];
  const actions = { up: kafkaClusterUp, down: kafkaClusterDown, status: async () => console.log(await kafkaClusterStatus()) };
  if (!actions[cmd]) {
    console.error('usage: node test/brokers/kafka-cluster.mjs up|down|status');
    process.exit(2);
  }
  actions[cmd]().catch((e) => {
    console.error(`[brokers] kafka cluster ${cmd} failed: ${e.message}`);
    process.exit(1);
  });
}
