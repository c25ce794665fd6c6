#!/usr/bin/env node
// Single-node KRaft Kafka for integration tests, assembled from Maven Central jars.
// Usage: node test/brokers/kafka.mjs up [--fresh]|down|status|kill
// Kafka 3.9 on 127.0.0.1:9092 by default. SWITCHBOARD_KAFKA_VERSION=4.1 runs Kafka 4.1 instead, on
// 127.0.0.1:29092 so it never meets the 3.9 broker (SWITCHBOARD_KAFKA_PORT overrides the port;
// the controller listens one port above). Each version and port has its own data directory.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CACHE, createKafkaNode, defaultLog, HOST, KAFKA_VERSIONS } from './kafka-node.mjs';

const VERSION = process.env.SWITCHBOARD_KAFKA_VERSION || '3.9';
if (!KAFKA_VERSIONS[VERSION]) throw new Error(`SWITCHBOARD_KAFKA_VERSION=${VERSION}: known versions are ${Object.keys(KAFKA_VERSIONS).join(', ')}`);
const DEFAULT_PORT = VERSION === '3.9' ? 9092 : 29092;
const PORT = Number(process.env.SWITCHBOARD_KAFKA_PORT || DEFAULT_PORT);
const DIR = path.join(CACHE, PORT === DEFAULT_PORT ? `kafka-${VERSION}` : `kafka-${VERSION}-${PORT}`);

const node = createKafkaNode({
  version: VERSION,
  nodeId: 1,
  port: PORT,
  controllerPort: PORT + 1,
  dir: DIR,
  clusterIdFile: path.join(DIR, 'cluster.id'),
  label: `kafka ${VERSION}`,
});

export const kafkaPaths = node.paths;
export const kafkaVersion = VERSION;
/** The bootstrap address of this broker, e.g. for KAFKA_URL. */
export const kafkaAddress = `${HOST}:${PORT}`;

/** Readiness probe: Metadata must list at least one broker (registered and unfenced). */
export const kafkaProbe = (options) => node.probe(options);

/**
 * Ensures a broker answers on its port, starting one if needed. `fresh`: a broker that is not
 * running starts empty (`pnpm brokers:up`, `up --fresh`); without it a restart keeps its data.
 */
export const kafkaUp = ({ log = defaultLog, fresh = false } = {}) => node.up({ log, fresh });

/** Graceful stop (SIGTERM, SIGKILL after 30 s). Only stops a broker this module started. */
export const kafkaDown = ({ log = defaultLog } = {}) => node.down({ log });

/** Simulates a crash: SIGKILL, no clean shutdown. `kafkaUp()` recovers on the same data dir. */
export const kafkaKill = ({ log = defaultLog } = {}) => node.kill({ log });

export const kafkaStatus = () => node.status();

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cmd = process.argv[2];
  const actions = { up: () => kafkaUp({ fresh: process.argv.includes('--fresh') }), down: kafkaDown, kill: kafkaKill, status: async () => console.log(await kafkaStatus()) };
  if (!actions[cmd]) {
    console.error('usage: node test/brokers/kafka.mjs up [--fresh]|down|status|kill');
    process.exit(2);
  }
  actions[cmd]().catch((e) => {
    console.error(`[brokers] kafka ${cmd} failed: ${e.message}`);
    process.exit(1);
  });
}
