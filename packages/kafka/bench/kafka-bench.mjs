#!/usr/bin/env node
// Publish and consume throughput of 1 KiB messages through Switchboard on Kafka.
// Usage: node packages/kafka/bench/kafka-bench.mjs [messages=50000] [url=kafka://127.0.0.1:9092]
import { randomBytes } from 'node:crypto';
import { connect } from '@switchboard/core';

const total = Number(process.argv[2] ?? 50_000);
const url = process.argv[3] ?? process.env.KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const channel = `bench-${randomBytes(4).toString('hex')}`;
const payload = randomBytes(1024); // 1 KiB body (sent as application/octet-stream)
const inFlight = 5000;

const bus = await connect({
  url,
  options: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 },
  channels: { [channel]: { groups: ['bench'], partitions: 6 } },
});
const ch = bus.channel(channel);

// Publish: keep `inFlight` publishes pending, as a busy service would; each resolves on acks=all.
let next = 0;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < total) {
      const i = next++;
      await ch.publish(payload, { key: `k${i % 1000}` });
    }
  }),
);
const publishSeconds = Number(process.hrtime.bigint() - started) / 1e9;

// Consume the backlog with the declared group (starts at the earliest offset).
let handled = 0;
let done;
const finished = new Promise((resolve) => (done = resolve));
const consumeStarted = process.hrtime.bigint();
const sub = await ch.subscribe(
  'bench',
  () => {
    if (++handled === total) done();
  },
  { concurrency: 64 },
);
await finished;
const consumeSeconds = Number(process.hrtime.bigint() - consumeStarted) / 1e9;
await sub.close();
await bus.close();

const rate = (n, s) => Math.round(n / s).toLocaleString('en-US');
console.log(`kafka bench: ${total} messages of 1 KiB, channel ${channel} (6 partitions)`);
console.log(`  publish (acks=all, idempotent, ${inFlight} in flight): ${rate(total, publishSeconds)} msg/s (${publishSeconds.toFixed(2)} s)`);
console.log(`  consume (one subscriber, concurrency 64, incl. group join): ${rate(total, consumeSeconds)} msg/s (${consumeSeconds.toFixed(2)} s)`);
