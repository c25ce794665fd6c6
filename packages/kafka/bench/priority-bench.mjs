// Priority on a real Kafka broker: how a backlog and a live stream treat high-priority messages.
// Usage: node packages/kafka/bench/priority-bench.mjs [--rate] (after pnpm build; KAFKA_URL defaults to kafka://127.0.0.1:9092).
import { randomBytes } from 'node:crypto';
import { connect } from '@switchboard/core';
import { Kafka, logLevel } from 'kafkajs';

const url = process.env.KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const options = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 };
const created = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (check, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
};
const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function open(prefix, partitions, priority = true) {
  const ch = `sbb-${prefix}-${randomBytes(4).toString('hex')}`;
  created.push(ch);
  const bus = await connect({ url, options, channels: { [ch]: { requires: { priority }, groups: ['g'], ...(partitions && { partitions }) } } });
  return { bus, channel: bus.channel(ch) };
}

/** Consume throughput of a backlog of `count` messages, no-op handler, with and without priority. */
async function throughput(count, concurrency, priority) {
  const { bus, channel } = await open('rate', undefined, priority);
  const body = 'x'.repeat(200);
  for (let i = 0; i < count; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, count - i) }, (_, j) => channel.publish(body, priority ? { priority: (i + j) % 11 } : undefined)));
  }
  let n = 0;
  const t0 = Date.now();
  await channel.subscribe('g', () => void n++, { concurrency });
  await waitFor(() => n === count, 120_000);
  const ms = Date.now() - t0;
  await bus.close();
  return `${Math.round((count * 1000) / ms)} msg/s`;
}

async function backlog(lows, highs, concurrency, partitions) {
  const { bus, channel } = await open('backlog', partitions);
  await Promise.all(Array.from({ length: lows }, (_, i) => channel.publish(`low-${i}`, { priority: 1 })));
  await Promise.all(Array.from({ length: highs }, (_, i) => channel.publish(`high-${i}`, { priority: 9 })));
  const order = [];
  let lastHighAt;
  const t0 = Date.now();
  await channel.subscribe('g', async (m) => {
    order.push(m.payload);
    if (m.payload.startsWith('high-') && order.filter((p) => p.startsWith('high-')).length === highs) lastHighAt = Date.now();
  }, { concurrency });
  const live = Date.now() - t0;
  await waitFor(() => order.length === lows + highs);
  const lastHighIndex = order.findLastIndex((p) => p.startsWith('high-'));
  const lowsBefore = order.slice(0, lastHighIndex).filter((p) => p.startsWith('low-')).length;
  await bus.close();
  return { lowsBefore, subscribeMs: live, toLastHighMs: lastHighAt - t0 };
}

async function stream(seconds, rate, concurrency, handlerMs) {
  const { bus, channel } = await open('stream');
  const lat = { low: [], high: [] };
  await channel.subscribe('g', async (m) => {
    const sent = Number(m.headers['sent']);
    lat[m.priority >= 8 ? 'high' : 'low'].push(Date.now() - sent);
    await sleep(handlerMs);
  }, { concurrency });
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const pending = [];
  while (Date.now() < end) {
    const tick = Date.now();
    for (let i = 0; i < rate / 20; i++) pending.push(channel.publish(`low-${n++}`, { priority: 1, headers: { sent: String(Date.now()) } }));
    if (n % (rate / 2) < rate / 20) pending.push(channel.publish('high', { priority: 9, headers: { sent: String(Date.now()) } }));
    await sleep(Math.max(0, 50 - (Date.now() - tick)));
  }
  await Promise.all(pending);
  await waitFor(() => lat.low.length + lat.high.length === pending.length, 120_000).catch(() => {});
  await bus.close();
  const summary = (v) => (v.length === 0 ? 'none' : `n=${v.length} p50 ${pct(v, 0.5)} ms p95 ${pct(v, 0.95)} ms max ${pct(v, 1)} ms`);
  return { low: summary(lat.low), high: summary(lat.high) };
}

try {
  for (let i = 0; i < 5; i++) console.log('backlog 30 low + 1 urgent, concurrency 1, 1 partition:', await backlog(30, 1, 1, 1));
  for (let i = 0; i < 3; i++) console.log('backlog 30 low + 1 urgent, concurrency 1, 3 partitions:', await backlog(30, 1, 1));
  for (let i = 0; i < 3; i++) console.log('backlog 200 low + 10 high, concurrency 4, 3 partitions:', await backlog(200, 10, 4));
  if (process.argv.includes('--rate')) {
    for (let i = 0; i < 2; i++) {
      console.log('consume 20000, concurrency 16, plain channel:', await throughput(20_000, 16, false));
      console.log('consume 20000, concurrency 16, priority channel (priorities 0..10):', await throughput(20_000, 16, true));
    }
  }
  console.log('live stream 400 low/s, handler 2 ms, concurrency 4, a high every 0.5 s:', await stream(10, 400, 4, 2));
  console.log('live stream 2000 low/s (over capacity), handler 2 ms, concurrency 4, a high every 0.5 s:', await stream(10, 2000, 4, 2));
} finally {
  const admin = new Kafka({ brokers: [url.replace('kafka://', '')], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => created.some((c) => t.startsWith(c)));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
}
