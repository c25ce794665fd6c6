// Throughput of the RabbitMQ backend through the public API, 1 KiB messages, durable + confirmed:
//   publish: N messages pipelined in chunks of 1000 (each chunk awaited), into a declared group's queue;
//   consume: drain that backlog with subscribe(concurrency 64);
//   both:    publish and consume at once (at most --window published-but-unhandled);
//   raw:     the same publish (same properties and headers) and consume with bare amqplib (confirm channel, waitForConfirms per chunk; prefetch 2×concurrency, ack each), for scale.
// Usage: node packages/rabbitmq/bench/rabbit-bench.mjs [--messages 50000] [--url amqp://guest:guest@127.0.0.1:5672]
import { connect } from '@switchboard/core';
import { connect as amqpConnect } from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    url: { type: 'string', default: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
    concurrency: { type: 'string', default: '64' },
    window: { type: 'string', default: '20000' },
  },
});
const N = Number(values.messages);
const CHUNK = 1000;
const payload = randomBytes(1024);

async function publishAll(channel, count) {
  for (let sent = 0; sent < count; sent += CHUNK) {
    const n = Math.min(CHUNK, count - sent);
    const confirms = new Array(n);
    for (let i = 0; i < n; i++) confirms[i] = channel.publish(payload);
    await Promise.all(confirms);
  }
}

/** Client CPU (user + system) per message in µs: what the SDK costs, whatever the broker's speed. */
function cpuPerMessage(usage, count) {
  return +((usage.user + usage.system) / count).toFixed(1);
}

function rate(count, ms) {
  return Math.round(count / (ms / 1000));
}

const name = `bench-${randomBytes(3).toString('hex')}`;
// Classic, like the bare amqplib queue it is compared with below (durable channels default to quorum queues).
const bus = await connect({ url: values.url, channels: { [name]: { requires: { durable: true }, groups: ['g'], options: { queueType: 'classic' } } } });
const channel = bus.channel(name);
const results = {};
try {
  await publishAll(channel, 2_000); // warm-up, drained below with the rest
  let cpu0 = process.cpuUsage();
  let t = performance.now();
  await publishAll(channel, N);
  results.publishMsgPerSec = rate(N, performance.now() - t);
  results.publishCpuMicrosPerMsg = cpuPerMessage(process.cpuUsage(cpu0), N);

  let handled = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  let cpu = process.cpuUsage();
  t = performance.now();
  const sub = await channel.subscribe('g', () => {
    if (++handled === N + 2_000) done();
  }, { concurrency: Number(values.concurrency) });
  await all;
  results.consumeMsgPerSec = rate(N + 2_000, performance.now() - t);
  results.consumeCpuMicrosPerMsg = cpuPerMessage(process.cpuUsage(cpu), N + 2_000);

  handled = 0;
  let wake;
  const target = N;
  const both = new Promise((resolve) => (done = resolve));
  await sub.close();
  const sub2 = await channel.subscribe('g', () => {
    handled++;
    if (handled === target) done();
    if (wake !== undefined && handled % 256 === 0) { const w = wake; wake = undefined; w(); }
  }, { concurrency: Number(values.concurrency) });
  t = performance.now();
  for (let sent = 0; sent < target; sent += CHUNK) {
    while (sent - handled >= Number(values.window)) await new Promise((resolve) => (wake = resolve));
    const n = Math.min(CHUNK, target - sent);
    await Promise.all(Array.from({ length: n }, () => channel.publish(payload)));
  }
  await both;
  results.publishAndConsumeMsgPerSec = rate(target, performance.now() - t);
  await sub2.close();
} finally {
  await bus.close();
}

// Bare amqplib, same broker, same persistence, for an idea of the SDK's overhead.
const model = await amqpConnect(values.url);
const raw = await model.createConfirmChannel();
const q = `${name}-raw`;
await raw.assertQueue(q, { durable: true });
let rawCpu = process.cpuUsage();
let t = performance.now();
for (let sent = 0; sent < N; sent += CHUNK) {
  for (let i = 0; i < Math.min(CHUNK, N - sent); i++) {
    // The same properties and CloudEvents headers Switchboard sends, so the broker does the same work.
    const id = randomUUID();
    const headers = { 'cloudEvents:specversion': '1.0', 'cloudEvents:id': id, 'cloudEvents:source': 'switchboard', 'cloudEvents:type': name, 'cloudEvents:time': new Date().toISOString() };
    if (!raw.sendToQueue(q, payload, { persistent: true, contentType: 'application/octet-stream', messageId: id, timestamp: Math.floor(Date.now() / 1000), headers })) await new Promise((r) => raw.once('drain', r));
  }
  await raw.waitForConfirms();
}
results.rawAmqplibPublishMsgPerSec = rate(N, performance.now() - t);
results.rawAmqplibPublishCpuMicrosPerMsg = cpuPerMessage(process.cpuUsage(rawCpu), N);
const rawConsumer = await model.createChannel();
await rawConsumer.prefetch(Number(values.concurrency) * 2);
rawCpu = process.cpuUsage();
t = performance.now();
await new Promise((resolve) => {
  let got = 0;
  void rawConsumer.consume(q, (message) => {
    rawConsumer.ack(message);
    if (++got === N) resolve();
  });
});
results.rawAmqplibConsumeMsgPerSec = rate(N, performance.now() - t);
results.rawAmqplibConsumeCpuMicrosPerMsg = cpuPerMessage(process.cpuUsage(rawCpu), N);
await rawConsumer.close();
await raw.deleteQueue(q);
const cleanup = await model.createChannel();
await cleanup.deleteQueue(`${name}:g`);
await cleanup.deleteExchange(name);
await model.close();

console.log(JSON.stringify({ messages: N, bytes: 1024, node: process.version, ...results }, null, 2));
