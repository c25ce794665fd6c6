import type { Channel } from 'amqplib';
import { isDeclared, parseConfig, type ChannelSetup, type Logger } from '@switchboard/core';
import { delayQueueExpiresMs, redeclareEveryMs } from './delay-buckets.js';
import { RabbitChannelOptionsSchema, type RabbitChannelOptions } from './options.js';
import type { RabbitConnection } from './rabbit-connection.js';
import { isConnectionLoss } from './rabbit-errors.js';
import {
  delayQueueName,
  exchangeName,
  groupQueueName,
  PARKED_GROUP,
  requestQueueName,
  retryQueueName,
  streamQueueName,
  unroutedExchangeName,
} from './topology-names.js';

/** What the backend remembers about a channel, to declare its queues the same way every time. */
export interface ChannelTopology {
  name: string;
  priority: boolean;
  orderedByKey: boolean;
  replay: boolean;
  keepUnrouted: boolean;
  options: RabbitChannelOptions;
  groups: Set<string>;
}

/**
 * Declares and re-declares broker objects: one durable fanout exchange per channel, a durable
 * queue per group bound to it, a stream beside them for `replay`, delay queues on demand. Every
 * declare runs on a throwaway channel; everything declared is recorded and declared again after a
 * reconnect (a broker that lost its state gets it all back before publishing resumes).
 */
export class RabbitTopology {
  private readonly channels = new Map<string, ChannelTopology>();
  /** Delay queue name → when it was last declared and on which connection. */
  private readonly delayQueues = new Map<string, { at: number; generation: number }>();
  /** Declares in flight, so a burst of retries into one bucket declares its queue once. */
  private readonly declaring = new Map<string, Promise<void>>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    connection.onTopologyRecovery((model) => this.restore(model as unknown as { createChannel(): Promise<Channel> }));
  }

  /** The recorded topology of a channel; channels used without a declaration get defaults. */
  get(name: string): ChannelTopology | undefined {
    return this.channels.get(name);
  }

  async ensureChannel(setup: ChannelSetup): Promise<ChannelTopology> {
    const options = parseConfig(RabbitChannelOptionsSchema, setup.options, `RabbitMQ options of channel "${setup.name}"`);
    const topology: ChannelTopology = this.channels.get(setup.name) ?? {
      name: setup.name,
      priority: isDeclared(setup.requires, 'priority'),
      orderedByKey: isDeclared(setup.requires, 'orderedByKey'),
      replay: isDeclared(setup.requires, 'replay'),
      keepUnrouted: options.keepUnrouted ?? setup.name.endsWith('.dead'),
      options,
      groups: new Set(),
    };
    for (const group of setup.groups) topology.groups.add(group);
    await this.run(`declaring channel "${setup.name}"`, (channel) => this.declareChannel(channel, topology));
    this.channels.set(setup.name, topology);
    return topology;
  }

  /** Declares a subscriber group's queue (idempotent) and remembers it for reconnects. */
  async ensureGroup(topology: ChannelTopology, group: string): Promise<string> {
    await this.run(`declaring queue "${groupQueueName(topology.name, group)}"`, (channel) => this.declareGroup(channel, topology, group));
    topology.groups.add(group);
    return groupQueueName(topology.name, group);
  }

  /** Declares the queue responders share: gone with the last responder, so requests then fail fast. */
  async ensureRequestQueue(name: string): Promise<string> {
    const queue = requestQueueName(name);
    await this.run(`declaring queue "${queue}"`, (channel) => channel.assertQueue(queue, { durable: false, autoDelete: true }));
    return queue;
  }

  /**
   * A delay queue that dead-letters into `target` after each message's own TTL: back to one group
   * queue (retry) or to the channel's exchange (delayed delivery). Re-declared often enough that
   * its `x-expires` never deletes it while it can still hold a message.
   */
  async ensureDelayQueue(channelName: string, group: string | undefined, bucketMs: number): Promise<string> {
    const queue = group === undefined ? delayQueueName(channelName, bucketMs) : retryQueueName(channelName, group, bucketMs);
    const known = this.delayQueues.get(queue);
    if (known !== undefined && known.generation === this.connection.generation && Date.now() - known.at < redeclareEveryMs(bucketMs)) return queue;
    const args: Record<string, unknown> =
      group === undefined
        ? { 'x-dead-letter-exchange': exchangeName(channelName) }
        : { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': groupQueueName(channelName, group) };
    args['x-expires'] = delayQueueExpiresMs(bucketMs);
    let declared = this.declaring.get(queue);
    if (declared === undefined) {
      const at = Date.now();
      const generation = this.connection.generation;
      declared = this.run(`declaring delay queue "${queue}"`, (channel) => channel.assertQueue(queue, { durable: true, arguments: args }))
        .then(() => void this.delayQueues.set(queue, { at, generation }))
        .finally(() => this.declaring.delete(queue));
      this.declaring.set(queue, declared);
    }
    await declared;
    return queue;
  }

  private async run(operation: string, work: (channel: Channel) => Promise<unknown>): Promise<void> {
    await this.connection.withChannel(operation, Date.now() + this.timeoutMs, work);
  }

  private groupArguments(topology: ChannelTopology): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    if (topology.priority) args['x-max-priority'] = topology.options.maxPriority;
    if (topology.orderedByKey) args['x-single-active-consumer'] = true;
    return args;
  }

  private async declareGroup(channel: Channel, topology: ChannelTopology, group: string): Promise<void> {
    const queue = groupQueueName(topology.name, group);
    await channel.assertQueue(queue, { durable: true, arguments: this.groupArguments(topology) });
    await channel.bindQueue(queue, exchangeName(topology.name), '');
  }

  private async declareChannel(channel: Channel, topology: ChannelTopology): Promise<void> {
    const exchange = exchangeName(topology.name);
    if (topology.keepUnrouted) {
      const unrouted = unroutedExchangeName(topology.name);
      await channel.assertExchange(unrouted, 'fanout', { durable: true, internal: true });
      await channel.assertExchange(exchange, 'fanout', { durable: true, alternateExchange: unrouted });
      const parked = groupQueueName(topology.name, PARKED_GROUP);
      await channel.assertQueue(parked, { durable: true, arguments: this.groupArguments(topology) });
      await channel.bindQueue(parked, unrouted, '');
    } else {
      await channel.assertExchange(exchange, 'fanout', { durable: true });
    }
    for (const group of topology.groups) await this.declareGroup(channel, topology, group);
    if (topology.replay) {
      const stream = streamQueueName(topology.name);
      const args: Record<string, unknown> = { 'x-queue-type': 'stream', 'x-max-age': topology.options.streamMaxAge };
      if (topology.options.streamMaxBytes !== undefined) args['x-max-length-bytes'] = topology.options.streamMaxBytes;
      await channel.assertQueue(stream, { durable: true, arguments: args });
      await channel.bindQueue(stream, exchange, '');
    }
  }

  /**
   * Declares everything again on a new connection. A channel whose declare the broker refuses
   * (someone changed a queue meanwhile) is logged and skipped, so one bad queue cannot keep the
   * whole connection from recovering; a lost connection aborts and the reconnect loop retries.
   */
  private async restore(model: { createChannel(): Promise<Channel> }): Promise<void> {
    this.delayQueues.clear();
    let channel: Channel | undefined;
    try {
      for (const topology of this.channels.values()) {
        if (channel === undefined) {
          channel = await model.createChannel();
          channel.on('error', () => {});
        }
        try {
          await this.declareChannel(channel, topology);
        } catch (error) {
          if (isConnectionLoss(error)) throw error;
          this.logger.error('switchboard: RabbitMQ refused to re-declare a channel after reconnecting', { channel: topology.name, error: (error as Error).message });
          channel = undefined;
        }
      }
    } finally {
      await channel?.close().catch(() => {});
    }
  }
}
