// Side A for RabbitMQ: plain amqplib, written the way an experienced amqplib user would, with the
// settings @switchboard/rabbitmq uses: durable fanout exchange per channel, durable queue per
// group, persistent messages with publisher confirms, the same prefetch, direct reply-to for RPC.
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { amqpPublishOptions, makePayload } from '../lib/payload.mjs';
import { SETTINGS } from '../lib/settings.mjs';

export const RABBIT_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// Nagle's algorithm holds small frames back ~40 ms waiting for a delayed ACK; any latency-aware
// amqplib user turns it off. BENCH_RAW_NODELAY=0 keeps amqplib's default (Nagle on) for comparison.
const SOCKET = { noDelay: process.env.BENCH_RAW_NODELAY !== '0' };
const GROUP = 'bench';

/** Publishes `payloads` on a confirm channel; resolves once the broker confirmed every one. */
export function publishConfirmed(channel, exchange, routingKey, type, payloads) {
  return new Promise((resolve, reject) => {
    let left = payloads.length;
    let failed;
    const confirmed = (error) => {
      if (error) failed ??= error;
      if (--left === 0) (failed ? reject(failed) : resolve());
    };
    const writeFrom = (start) => {
      for (let i = start; i < payloads.length; i++) {
        const ok = channel.publish(exchange, routingKey, payloads[i], amqpPublishOptions(type), confirmed);
        // Respect amqplib's write buffer like a production publisher must.
        if (!ok) return void channel.once('drain', () => writeFrom(i + 1));
      }
    };
    writeFrom(0);
  });
}

/** The topology @switchboard/rabbitmq declares for a channel with one group. */
export async function declareChannel(channel, name) {
  await channel.assertExchange(name, 'fanout', { durable: true });
  await channel.assertQueue(`${name}:${GROUP}`, { durable: true, arguments: {} });
  await channel.bindQueue(`${name}:${GROUP}`, name, '');
}

/** Fills the group queue of `name` with `count` messages (untimed set-up, shared by A and B). */
export async function prefill(name, count) {
  const connection = await amqp.connect(RABBIT_URL, SOCKET);
  const channel = await connection.createConfirmChannel();
  for (let sent = 0; sent < count; ) {
    const chunk = Math.min(1000, count - sent);
    const payloads = Array.from({ length: chunk }, (_, i) => makePayload(sent + i));
    await publishConfirmed(channel, name, '', name, payloads);
    sent += chunk;
  }
  await connection.close();
}

/** Deletes what either side declared for a run (exchange, group queue, request queue). */
export async function cleanup(name) {
  const connection = await amqp.connect(RABBIT_URL, SOCKET);
  try {
    for (const queue of [`${name}:${GROUP}`, `${name}~requests`, `${name}.dead:parked`]) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteQueue(queue).catch(() => {});
      await channel.close().catch(() => {});
    }
    for (const exchange of [name, `${name}.dead`, `${name}.dead~unrouted`]) {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      await channel.deleteExchange(exchange).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close();
  }
}

export async function createSide({ name }) {
  const connection = await amqp.connect(RABBIT_URL, SOCKET);
  const close = () => connection.close();

  /** Raw consumer: hand over the body, read the id header, ack each message. */
  const consumeGroup = async (onPayload) => {
    const channel = await connection.createChannel();
    await channel.prefetch(SETTINGS.rabbitmq.prefetch);
    await channel.consume(`${name}:${GROUP}`, (message) => {
      void message.properties.headers['cloudEvents_id'];
      onPayload(message.content);
      channel.ack(message);
    });
  };

  return {
    async publisher() {
      const setup = await connection.createChannel();
      await declareChannel(setup, name);
      await setup.close();
      const channel = await connection.createConfirmChannel();
      return { send: (payloads) => publishConfirmed(channel, name, '', name, payloads), close };
    },

    async consumer(count) {
      const setup = await connection.createChannel();
      await declareChannel(setup, name);
      await setup.close();
      await prefill(name, count);
      return { start: consumeGroup, close };
    },

    async latencyPipe() {
      const setup = await connection.createChannel();
      await declareChannel(setup, name);
      await setup.close();
      const channel = await connection.createConfirmChannel();
      return {
        subscribe: consumeGroup,
        send: (payload) => publishConfirmed(channel, name, '', name, [payload]),
        close,
      };
    },

    async requestReply() {
      const queue = `${name}~requests`;
      // Responder: its own channel, prefetch as the SDK's responder, replies to the reply-to address.
      const serve = await connection.createChannel();
      await serve.assertQueue(queue, { durable: false, autoDelete: true });
      await serve.prefetch(SETTINGS.rabbitmq.responderPrefetch);
      await serve.consume(queue, (message) => {
        const options = amqpPublishOptions(`${name}.reply`);
        options.correlationId = message.properties.correlationId;
        options.persistent = false;
        serve.sendToQueue(message.properties.replyTo, message.content, options);
        serve.ack(message);
      });
      // Requester: direct reply-to (no reply queue), correlation id, a timeout per request.
      const ask = await connection.createChannel();
      const waiting = new Map();
      await ask.consume(
        'amq.rabbitmq.reply-to',
        (message) => {
          const entry = waiting.get(message.properties.correlationId);
          if (entry === undefined) return;
          waiting.delete(message.properties.correlationId);
          clearTimeout(entry.timer);
          entry.resolve(message.content);
        },
        { noAck: true },
      );
      return {
        request: (payload) =>
          new Promise((resolve, reject) => {
            const correlationId = randomUUID();
            const timer = setTimeout(() => {
              waiting.delete(correlationId);
              reject(new Error('request timed out'));
            }, SETTINGS.requestTimeoutMs);
            waiting.set(correlationId, { resolve, timer });
            const options = amqpPublishOptions(name);
            options.correlationId = correlationId;
            options.replyTo = 'amq.rabbitmq.reply-to';
            options.persistent = false;
            // As the SDK: unroutable requests come back at once, stale ones are dropped by the broker.
            options.mandatory = true;
            options.expiration = String(SETTINGS.requestTimeoutMs);
            ask.publish('', queue, payload, options);
          }),
        close,
      };
    },
  };
}
