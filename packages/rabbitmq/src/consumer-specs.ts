import type { Channel, ConsumeMessage } from 'amqplib';
import { ConfigError, type ConsumeOptions, type Delivery, type ReplayFrom, type WireMessage } from '@switchboard/core';
import { delayBucket, MAX_DELAY_MS } from './delay-buckets.js';
import type { Settler, QueueConsumerSpec } from './queue-consumer.js';
import type { RabbitPublisher } from './rabbit-publisher.js';
import type { RabbitReplier } from './rabbit-replier.js';
import type { ChannelTopology, RabbitTopology } from './rabbit-topology.js';
import { streamQueueName } from './topology-names.js';
import { fromDelivery, toPublish, type Received } from './wire-properties.js';

/** What the consumer specs share. */
export interface SpecContext {
  topology: RabbitTopology;
  publisher: RabbitPublisher;
  replier: RabbitReplier;
}

/**
 * Expired messages are settled and dropped here: a delayed message carries its TTL as a header
 * (the broker strips `expiration` when it dead-letters) and a stream keeps expired messages.
 */
function expired(received: Received): boolean {
  return received.expiresAt !== undefined && received.expiresAt <= Date.now();
}

function expiresAtOf(message: ConsumeMessage, received: Received): number | undefined {
  if (received.expiresAt !== undefined) return received.expiresAt;
  const expiration = Number(message.properties.expiration);
  return Number.isFinite(expiration) && expiration > 0 ? received.wire.timestamp + expiration : undefined;
}

/** Built field by field, not spread: this runs for every message and a fixed shape stays fast. */
function baseDelivery(wire: WireMessage, message: ConsumeMessage, settle: Settler): Delivery {
  const delivery: Delivery = { body: wire.body, headers: wire.headers, id: wire.id, timestamp: wire.timestamp, redelivered: message.fields.redelivered, ack: settle.ack };
  if (wire.key !== undefined) delivery.key = wire.key;
  if (wire.priority !== undefined) delivery.priority = wire.priority;
  return delivery;
}

/**
 * A message another service published to a key-routed exchange the channel maps carries no key
 * header; its routing key is its key, as it is for the channel's own publishers. The channel's
 * default routing key (what unkeyed messages get) means "no key".
 */
function keyFromRoutingKey(topology: ChannelTopology, message: ConsumeMessage, wire: WireMessage): void {
  const { routing, exchange } = topology.mapping;
  if (wire.key !== undefined || routing.from !== 'key' || message.fields.exchange !== exchange) return;
  const routingKey = message.fields.routingKey;
  if (routingKey !== '' && routingKey !== routing.fallback) wire.key = routingKey;
}

/** A subscriber group: its durable queue, retries through per-group delay queues. */
export function groupSpec(ctx: SpecContext, topology: ChannelTopology, group: string, options: ConsumeOptions): QueueConsumerSpec {
  const keyFromRoute = topology.mapping.routing.from === 'key';
  return {
    label: `group "${group}" of channel "${topology.name}"`,
    // With priority the broker must hold the backlog to order it: no more unacked than handlers.
    prefetch: topology.priority ? options.concurrency : Math.min(options.concurrency * 2, 2_000),
    prepare: () => ctx.topology.ensureGroup(topology, group),
    toDelivery(message, settle) {
      const received = fromDelivery(message);
      if (expired(received)) {
        settle.ack();
        return undefined;
      }
      if (keyFromRoute) keyFromRoutingKey(topology, message, received.wire);
      const delivery = baseDelivery(received.wire, message, settle);
      // orderedByKey keeps retries in place (core retries in-process) so later messages of the key wait.
      if (!options.orderedByKey) {
        delivery.retryLater = async (delayMs, headers) => {
          const expiresAt = expiresAtOf(message, received);
          const delay = Math.min(Math.max(0, Math.round(delayMs)), MAX_DELAY_MS);
          const queue = await ctx.topology.ensureDelayQueue(topology, group, delayBucket(delay));
          const wire: WireMessage = { ...received.wire, headers };
          await ctx.publisher.publish([
            { exchange: '', routingKey: queue, channel: topology.name, plan: toPublish(wire, { delayMs: delay, ...(expiresAt !== undefined && { expiresAt }) }) },
          ]);
          settle.ack();
        };
      }
      return delivery;
    },
  };
}

function streamOffset(from: ReplayFrom): { arg: unknown; minOffset?: number; minTimestamp?: number } {
  if (from === 'earliest') return { arg: 'first' };
  if (from === 'latest') return { arg: 'next' };
  if ('position' in from) {
    const offset = Number(from.position);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new ConfigError(`replay position "${from.position}" is not a RabbitMQ stream offset: pass message.position from a delivery of this channel`);
    }
    return { arg: offset, minOffset: offset };
  }
  const ms = from.timestamp.getTime();
  // AMQP timestamps are seconds; the stream starts at the chunk holding that second.
  return { arg: { '!': 'timestamp', value: Math.floor(ms / 1000) }, minTimestamp: ms };
}

/**
 * A replay: a consumer on the channel's stream from `from`. The stream delivers whole chunks, so
 * messages before the requested offset or time are skipped here. After a reconnect it resumes at
 * the oldest offset not yet acked.
 */
export function replaySpec(topology: ChannelTopology, from: ReplayFrom, options: ConsumeOptions): QueueConsumerSpec {
  const start = streamOffset(from);
  const unacked = new Set<number>();
  let next: number | undefined;
  return {
    label: `replay of channel "${topology.name}"`,
    prefetch: Math.max(options.concurrency, 1),
    prepare: async () => streamQueueName(topology.name),
    consumeArguments() {
      const resume = unacked.size > 0 ? Math.min(...unacked) : next;
      return { 'x-stream-offset': resume ?? start.arg };
    },
    toDelivery(message, settle) {
      const received = fromDelivery(message);
      const offset = received.offset;
      const before =
        (offset !== undefined && start.minOffset !== undefined && offset < start.minOffset) ||
        (start.minTimestamp !== undefined && received.wire.timestamp < start.minTimestamp);
      const expiresAt = expiresAtOf(message, received);
      if (before || (expiresAt !== undefined && expiresAt <= Date.now())) {
        settle.ack();
        return undefined;
      }
      if (offset !== undefined) {
        unacked.add(offset);
        next = Math.max(next ?? 0, offset + 1);
      }
      const delivery = baseDelivery(received.wire, message, {
        ack: () => {
          if (offset !== undefined) unacked.delete(offset);
          settle.ack();
        },
      });
      if (offset !== undefined) delivery.position = String(offset);
      return delivery;
    },
  };
}

/** Responders: competing consumers on the channel's request queue; each delivery can reply. */
export function respondSpec(ctx: SpecContext, channel: string, options: ConsumeOptions): QueueConsumerSpec {
  return {
    label: `responders of channel "${channel}"`,
    prefetch: options.concurrency,
    prepare: () => ctx.topology.ensureRequestQueue(channel),
    toDelivery(message: ConsumeMessage, settle: Settler, _channel: Channel) {
      const received = fromDelivery(message);
      const delivery = baseDelivery(received.wire, message, settle);
      const replyTo = message.properties.replyTo as string | undefined;
      const correlationId = message.properties.correlationId as string | undefined;
      if (replyTo !== undefined) {
        delivery.reply = async (reply) => {
          const plan = toPublish(reply);
          plan.options.persistent = false;
          if (correlationId !== undefined) plan.options.correlationId = correlationId;
          await ctx.replier.reply(replyTo, plan, channel);
        };
      }
      return delivery;
    },
  };
}
