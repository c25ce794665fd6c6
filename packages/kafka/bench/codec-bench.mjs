#!/usr/bin/env node
// Cost of each Kafka compression codec for 1 KiB JSON records.
//  A. codec alone: compress / decompress a 100-record batch (what kafkajs hands a codec), µs per record.
//  B. end to end through Switchboard on the broker: publish and consume µs per record, per codec.
// Usage: node packages/kafka/bench/codec-bench.mjs [messages=10000] [url=kafka://127.0.0.1:9092]
import { randomBytes } from 'node:crypto';
import { connect } from '@switchboard/core';
import { COMPRESSION_NAMES, installCompressionCodecs } from '@switchboard/kafka';
import kafkajs from 'kafkajs';

const total = Number(process.argv[2] ?? 10_000);
const url = process.argv[3] ?? process.env.KAFKA_URL ?? 'kafka://127.0.0.1:9092';

/** A 1 KiB order-like JSON record: the kind of payload compression is chosen for. */
function record(i) {
  const order = { id: `order-${i}`, customer: `cust-${i % 97}`, currency: 'EUR', items: [] };
  while (JSON.stringify(order).length < 1000) {
    const n = order.items.length;
    order.items.push({ sku: `SKU-${(i * 7 + n) % 1000}`, qty: (n % 5) + 1, price: Math.round(Math.random() * 10_000) / 100 });
  }
  return order;
}

const payloads = Array.from({ length: 1000 }, (_, i) => record(i));
const batch = Buffer.concat(payloads.slice(0, 100).map((p) => Buffer.from(JSON.stringify(p).padEnd(1024, ' ').slice(0, 1024))));

// A. The codecs kafkajs calls, installed as the backend installs them.
installCompressionCodecs();
const types = { gzip: kafkajs.CompressionTypes.GZIP, snappy: kafkajs.CompressionTypes.Snappy, lz4: kafkajs.CompressionTypes.LZ4, zstd: kafkajs.CompressionTypes.ZSTD };
const perRecord = async (fn, rounds = 300) => {
  for (let i = 0; i < 30; i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1e3 / rounds / 100;
};
const codecRows = [];
for (const [name, type] of Object.entries(types)) {
  const codec = kafkajs.CompressionCodecs[type]();
  const compressed = await codec.compress({ buffer: batch });
  codecRows.push({
    codec: name,
    ratio: (batch.length / compressed.length).toFixed(2),
    compressUs: (await perRecord(() => codec.compress({ buffer: batch }))).toFixed(2),
    decompressUs: (await perRecord(() => codec.decompress(compressed))).toFixed(2),
  });
}

// B. Through the broker.
const e2eRows = [];
for (const compression of COMPRESSION_NAMES) {
  const channel = `bench-codec-${compression}-${randomBytes(3).toString('hex')}`;
  const bus = await connect({
    url,
    options: { compression, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 },
    channels: { [channel]: { groups: ['bench'], partitions: 3 } },
  });
  const ch = bus.channel(channel);
  let next = 0;
  const publishStarted = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 1000 }, async () => {
      while (next < total) {
        const i = next++;
        await ch.publish(payloads[i % payloads.length], { key: `k${i % 100}` });
      }
    }),
  );
  const publishUs = Number(process.hrtime.bigint() - publishStarted) / 1e3 / total;
  // Consume the backlog; timed from the first message handled (group join excluded) to the last.
  let handled = 0;
  let done;
  let firstAt;
  const finished = new Promise((resolve) => (done = resolve));
  const sub = await ch.subscribe(
    'bench',
    () => {
      firstAt ??= process.hrtime.bigint();
      if (++handled === total) done();
    },
    { concurrency: 64 },
  );
  await finished;
  const consumeUs = Number(process.hrtime.bigint() - firstAt) / 1e3 / (total - 1);
  await sub.close();
  await bus.close();
  const admin = new kafkajs.Kafka({ brokers: [url.replace('kafka://', '')], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [channel] }).catch(() => {});
  await admin.deleteGroups([`${channel}:bench`]).catch(() => {});
  await admin.disconnect();
  e2eRows.push({ codec: compression, publishUs: publishUs.toFixed(1), consumeUs: consumeUs.toFixed(1) });
}

console.log(`codec alone (batch of 100 x 1 KiB JSON records; µs per record):`);
console.table(codecRows);
console.log(`through Switchboard and the broker (${total} records of 1 KiB JSON, 1000 publishes in flight; consume from first to last message; µs per record):`);
console.table(e2eRows);
