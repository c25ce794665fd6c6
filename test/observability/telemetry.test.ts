// OpenTelemetry on every backend with the real SDK (see describe-telemetry.ts for the scenarios).
import { randomBytes } from 'node:crypto';
import { unreachableReason } from '@switchboard/testkit';
import { afterAll, beforeAll, describe } from 'vitest';
import { cleanKafka, cleanRabbit } from './broker-cleanup.js';
import { describeTelemetry } from './describe-telemetry.js';
import { installSdk, type InstalledSdk } from './otel-sdk.js';

const RABBIT_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const KAFKA_BROKERS = ['127.0.0.1:9092'];
const KAFKA_URL = process.env['KAFKA_URL'] ?? `kafka://${KAFKA_BROKERS.join(',')}`;
const FAST_GROUPS = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 };
const prefix = `sbobs-${randomBytes(3).toString('hex')}`;

let sdk: InstalledSdk;
beforeAll(() => {
  sdk = installSdk();
});
afterAll(() => sdk.shutdown());

async function reachable(url: string, name: string): Promise<boolean> {
  const reason = await unreachableReason(url);
  if (reason !== undefined && process.env['CI'] === 'true') throw new Error(`${name} unreachable under CI=true: ${reason}`);
  if (reason !== undefined) describe.skip(`${name} telemetry (skipped: ${reason}; run pnpm brokers:up)`, () => {});
  return reason === undefined;
}

describeTelemetry({ name: 'memory', url: `memory://${prefix}`, prefix, retriesThroughBroker: true }, () => sdk);

if (await reachable(RABBIT_URL, 'rabbitmq')) {
  describe('rabbitmq', () => {
    afterAll(() => cleanRabbit(RABBIT_URL, prefix), 60_000);
    describeTelemetry({ name: 'rabbitmq', url: RABBIT_URL, prefix, retriesThroughBroker: true }, () => sdk);
  });
}

if (await reachable(KAFKA_URL, 'kafka')) {
  describe('kafka', () => {
    afterAll(() => cleanKafka(KAFKA_BROKERS, prefix), 60_000);
    describeTelemetry({ name: 'kafka', url: KAFKA_URL, options: FAST_GROUPS, prefix, retriesThroughBroker: true }, () => sdk);
  });
}
