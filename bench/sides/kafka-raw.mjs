// Side A for Kafka: plain kafkajs 2.2.4 with the settings @switchboard/kafka uses: topics with the
// same partition count, an idempotent producer (acks=all), consumer groups with the same session,
// fetch and batch settings. Request/reply is hand-written the usual way: a reply topic per
// requester and a correlation id header.
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { kafkaRecord, makePayload } from '../lib/payload.mjs';
import { SETTINGS } from '../lib/settings.mjs';

const { Kafka, logLevel, Partitioners } = kafkajs;
const K = SETTINGS.kafka;
const GROUP = 'bench';

export function kafkaClient(clientId) {
  return new Kafka({ clientId, brokers: K.brokers, logLevel: logLevel.ERROR });
}

const producerOptions = () => ({ ...K.producer, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });

/** Creates topics (idempotent) and waits for their leaders. */
export async function createTopics(kafka, topics, partitions = K.partitions) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Fills `topic` with `count` records (untimed set-up shared by A and B). */
export async function prefill(topic, count) {
  const kafka = kafkaClient('bench-prefill');
  const producer = kafka.producer(producerOptions());
  await producer.connect();
  for (let sent = 0; sent < count; ) {
    const chunk = Math.min(1000, count - sent);
    await producer.send({ topic, acks: -1, messages: Array.from({ length: chunk }, (_, i) => kafkaRecord(topic, makePayload(sent + i))) });
    sent += chunk;
  }
  await producer.disconnect();
}

/** Deletes every topic (and consumer group) a run created, whichever side created it. */
export async function cleanup(name) {
  const admin = kafkaClient('bench-cleanup').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t === name || t.startsWith(`${name}.`) || t.startsWith(`${name}~`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(name));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}

export async function createSide({ name }) {
  const kafka = kafkaClient('bench-raw');
  const clients = [];
  const track = async (client) => {
    await client.connect();
    clients.push(client);
    return client;
  };
  const close = async () => {
    for (const client of clients.splice(0).reverse()) await client.disconnect();
  };

  /** Raw consumer: hand over the body, read the id header; offsets committed by kafkajs. */
  const consumeTopic = async (topic, groupId, onPayload) => {
    const consumer = await track(kafka.consumer({ groupId, ...K.consumer }));
    await consumer.subscribe({ topic, fromBeginning: true });
    const ready = joined(consumer);
    await consumer.run({
      partitionsConsumedConcurrently: K.partitions,
      autoCommitInterval: K.autoCommitInterval,
      eachMessage: async ({ message }) => {
        void message.headers.ce_id.toString('utf8');
        onPayload(message.value);
      },
    });
    return ready;
  };

  const producer = async () => track(kafka.producer(producerOptions()));

  return {
    async publisher() {
      await createTopics(kafka, [name]);
      const p = await producer();
      return {
        send: async (payloads) => {
          await p.send({ topic: name, acks: -1, messages: payloads.map((payload) => kafkaRecord(name, payload)) });
        },
        close,
      };
    },

    async consumer(count) {
      await createTopics(kafka, [name]);
      await prefill(name, count);
      return { start: (onPayload) => consumeTopic(name, `${name}:${GROUP}`, onPayload), close };
    },

    async latencyPipe() {
      await createTopics(kafka, [name]);
      const p = await producer();
      return {
        subscribe: async (onPayload) => {
          await consumeTopic(name, `${name}:${GROUP}`, onPayload);
        },
        send: async (payload) => {
          await p.send({ topic: name, acks: -1, messages: [kafkaRecord(name, payload)] });
        },
        close,
      };
    },

    async requestReply() {
      // Same protocol shape as the SDK's emulation: one reply topic per channel (1 partition),
      // each requester reading it with a group of its own; correlation id, reply-to and deadline
      // headers on the request; responders in one group on the request topic.
      const replyTopic = `${name}.replies`;
      await createTopics(kafka, [name]);
      await createTopics(kafka, [replyTopic], 1);
      const p = await producer();
      // Responder: replies to a fetched batch go out in one produce request.
      const serve = await track(kafka.consumer({ groupId: `${name}:responders`, ...K.consumer }));
      await serve.subscribe({ topic: name, fromBeginning: true });
      const serving = joined(serve);
      await serve.run({
        partitionsConsumedConcurrently: K.partitions,
        autoCommitInterval: K.autoCommitInterval,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const now = Date.now();
          const replies = [];
          for (const message of batch.messages) {
            if (Number(message.headers.deadline_ms) < now) continue;
            const record = kafkaRecord(`${name}.reply`, message.value);
            record.headers.correlation_id = message.headers.correlation_id;
            replies.push(record);
          }
          if (replies.length > 0) await p.send({ topic: replyTopic, acks: -1, messages: replies });
          resolveOffset(batch.lastOffset());
          await heartbeat();
        },
      });
      // Requester: matches replies by correlation id; a timeout per request.
      const waiting = new Map();
      const listen = await track(kafka.consumer({ groupId: `${replyTopic}:requester-${randomUUID()}`, ...K.consumer }));
      await listen.subscribe({ topic: replyTopic, fromBeginning: true });
      const listening = joined(listen);
      await listen.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const id = message.headers.correlation_id?.toString('utf8');
          const entry = waiting.get(id);
          if (entry === undefined) return;
          waiting.delete(id);
          clearTimeout(entry.timer);
          entry.resolve(message.value);
        },
      });
      await Promise.all([serving, listening]);
      return {
        request: (payload) =>
          new Promise((resolve, reject) => {
            const correlationId = randomUUID();
            const timer = setTimeout(() => {
              waiting.delete(correlationId);
              reject(new Error('request timed out'));
            }, SETTINGS.requestTimeoutMs);
            waiting.set(correlationId, { resolve, timer });
            const record = kafkaRecord(name, payload);
            record.headers.reply_to = replyTopic;
            record.headers.correlation_id = correlationId;
            record.headers.deadline_ms = String(Date.now() + SETTINGS.requestTimeoutMs);
            p.send({ topic: name, acks: -1, messages: [record] }).catch(reject);
          }),
        close,
      };
    },
  };
}

/** Resolves once the consumer joined its group and got its partitions. */
export function joined(consumer) {
  return new Promise((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
}
