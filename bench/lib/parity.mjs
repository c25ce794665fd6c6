// Checks that side A sends what side B sends: one message published by Switchboard and one by
// the raw client, both read back with the raw client, compared by header names, AMQP properties
// and body size. Keeps the raw baseline from drifting when the SDK's envelope changes.
import { connect } from '@switchboard/core';
import { makePayload, seqOf } from './payload.mjs';
import { SETTINGS } from './settings.mjs';

function shapeOfAmqp(message) {
  const props = Object.entries(message.properties)
    .filter(([key, value]) => value !== undefined && key !== 'headers')
    .map(([key]) => key)
    .sort();
  return { headers: Object.keys(message.properties.headers ?? {}).sort(), properties: props, contentType: message.properties.contentType, bodyBytes: message.content.length };
}

function shapeOfKafka(message) {
  return { headers: Object.keys(message.headers ?? {}).sort(), key: message.key === null ? null : 'set', contentType: message.headers?.['content-type']?.toString(), bodyBytes: message.value.length };
}

function compare(backend, sdk, raw) {
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const differences = [];
  if (!same(sdk.headers, raw.headers)) differences.push(`headers: SDK [${sdk.headers}] vs raw [${raw.headers}]`);
  if (sdk.properties && !same(sdk.properties, raw.properties)) differences.push(`properties: SDK [${sdk.properties}] vs raw [${raw.properties}]`);
  if (sdk.contentType !== raw.contentType) differences.push(`content type: SDK ${sdk.contentType} vs raw ${raw.contentType}`);
  if (sdk.key !== undefined && sdk.key !== raw.key) differences.push(`key: SDK ${sdk.key} vs raw ${raw.key}`);
  if (Math.abs(sdk.bodyBytes - raw.bodyBytes) > 16) differences.push(`body: SDK ${sdk.bodyBytes} B vs raw ${raw.bodyBytes} B`);
  const ok = differences.length === 0;
  const summary = ok ? `${sdk.headers.length} headers (${sdk.headers.join(', ')}), ${sdk.contentType}, ${sdk.bodyBytes}-byte body` : differences.join('; ');
  return { backend, ok, summary, sdk, raw };
}

async function rabbitParity(name) {
  const raw = await import('../sides/rabbitmq-raw.mjs');
  const { default: amqp } = await import('amqplib');
  const bus = await connect({ url: raw.RABBIT_URL, channels: { [name]: { groups: ['bench'] } } });
  await bus.channel(name).publish(makePayload(1));
  await bus.close();
  const connection = await amqp.connect(raw.RABBIT_URL);
  try {
    const confirm = await connection.createConfirmChannel();
    await raw.publishConfirmed(confirm, name, '', name, [makePayload(2)]);
    const channel = await connection.createChannel();
    const first = await channel.get(`${name}:bench`, { noAck: true });
    const second = await channel.get(`${name}:bench`, { noAck: true });
    if (!first || !second) throw new Error('parity: messages not found in the group queue');
    return compare('rabbitmq', shapeOfAmqp(first), shapeOfAmqp(second));
  } finally {
    await connection.close();
  }
}

async function kafkaParity(name) {
  const raw = await import('../sides/kafka-raw.mjs');
  const bus = await connect({ url: `kafka://${SETTINGS.kafka.brokers.join(',')}`, channels: { [name]: { groups: ['bench'] } } });
  await bus.channel(name).publish(makePayload(1));
  await bus.close();
  await raw.prefill(name, 1);
  const kafka = raw.kafkaClient('bench-parity');
  const consumer = kafka.consumer({ groupId: `${name}:parity` });
  await consumer.connect();
  const seen = [];
  try {
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('parity: records not read back within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message);
          if (seen.length === 2) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  // Records land on different partitions; tell them apart by the payload's seq.
  const bySeq = (seq) => seen.find((m) => seqOf(m.value) === seq);
  // prefill() wrote seq 0.
  return compare('kafka', shapeOfKafka(bySeq(1)), shapeOfKafka(bySeq(0)));
}

export function parity(backend, name) {
  return backend === 'rabbitmq' ? rabbitParity(name) : kafkaParity(name);
}
