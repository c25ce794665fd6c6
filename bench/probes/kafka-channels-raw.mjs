// Raw kafkajs beside the scale benchmark's Kafka channels points: N topics, one consumer group
// (one kafkajs consumer) per topic, one idempotent producer, 1 KiB records; the same publishing
// pattern as `bench/scale.mjs --only channels` (chunks of 1,000 spread over the topics, at most
// 4 × 1,024 outstanding). Says how much of the cost per message at 100 channels kafkajs pays alone.
//
// Usage: node bench/probes/kafka-channels-raw.mjs [--messages 5000] [--channels 1,10,100]
// Each point runs in a fresh process; prints CPU µs per message and RSS.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanup, createTopics, joined, kafkaClient } from '../sides/kafka-raw.mjs';
import { SETTINGS } from '../lib/settings.mjs';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '5000' }, channels: { type: 'string', default: '1,10,100' }, point: { type: 'string' } } });
const K = SETTINGS.kafka;
const PAYLOAD = Buffer.alloc(1024, 'x');
const CHUNK = 1000;
const WINDOW = 4 * 1024;

if (values.point === undefined) {
  for (const channels of values.channels.split(',').map(Number)) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--point', JSON.stringify({ channels, messages: Number(values.messages) })], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(child.stdout);
  }
} else {
  const { channels, messages } = JSON.parse(values.point);
  const name = `rawch-${Date.now().toString(36)}`;
  const topics = Array.from({ length: channels }, (_, i) => `${name}.c${i}`);
  const kafka = kafkaClient('bench-raw-channels');
  await createTopics(kafka, topics);
  let delivered = 0;
  const consumers = [];
  for (const topic of topics) {
    const consumer = kafka.consumer({ groupId: `${topic}:g0`, ...K.consumer });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const ready = joined(consumer);
    await consumer.run({ partitionsConsumedConcurrently: K.partitions, autoCommitInterval: K.autoCommitInterval, eachMessage: async () => void delivered++ });
    await ready;
    consumers.push(consumer);
  }
  const producer = kafka.producer({ ...K.producer, allowAutoTopicCreation: false });
  await producer.connect();
  const publish = async (count) => {
    const base = delivered;
    for (let sent = 0; sent < count; sent += CHUNK) {
      while (sent - (delivered - base) >= WINDOW) await new Promise((resolve) => setTimeout(resolve, 1));
      const byTopic = new Map();
      for (let i = 0; i < Math.min(CHUNK, count - sent); i++) {
        const topic = topics[(sent + i) % channels];
        if (!byTopic.has(topic)) byTopic.set(topic, []);
        byTopic.get(topic).push({ value: PAYLOAD });
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })) });
    }
    while (delivered - base < count) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await publish(Math.max(CHUNK, messages / 5)); // warm-up, as scale.mjs does
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await publish(messages);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rssMiB = process.memoryUsage.rss() / 1048576;
  console.log(`raw kafkajs, ${channels} topic(s), ${channels} consumer group(s), ${messages} messages: ${Math.round(messages / seconds)} msg/s, ${((cpu.user + cpu.system) / messages).toFixed(1)} µs CPU/msg, RSS ${rssMiB.toFixed(0)} MiB`);
  await producer.disconnect();
  for (const consumer of consumers) await consumer.disconnect();
  await cleanup(name);
}
