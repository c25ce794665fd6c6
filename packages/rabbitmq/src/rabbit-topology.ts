import type { Channel } from 'amqplib';
import { ConfigError, isDeclared, parseConfig, type ChannelSetup, type Logger } from '@switchboard/core';
import { delayQueueExpiresMs, redeclareEveryMs } from './delay-buckets.js';
import { verifyExistingExchange, verifyExistingQueue, type NeededArgument } from './existing-topology.js';
import { RabbitChannelOptionsSchema, type RabbitChannelOptions } from './options.js';
import { chooseQueueType, quorumHoldingArguments, type QueueTypeChoice, type QueueTypeOption } from './queue-type.js';
import type { RabbitConnection } from './rabbit-connection.js';
import { isConnectionLoss } from './rabbit-errors.js';
import { DELAY_BUCKET_HEADER } from './wire-properties.js';
import { everyMessageBinding, groupRoute, resolveMapping, routesByKey, type ChannelMapping, type GroupRoute } from './topology-mapping.js';
import {
  delayExchangeName,
  delayQueueName,
  exchangeName,
  PARKED_GROUP,
  requestQueueName,
  retryQueueName,
  streamQueueName,
  unroutedExchangeName,
} from './topology-names.js';

/** What the backend remembers about a channel, to declare its queues the same way every time. */
export interface ChannelTopology {
  name: string;
  /** Group, retry, delay and parked queues are of this type. */
  queueType: QueueTypeChoice;
  /** The channel declares priority and its queues can order by it (classic queues only). */
  priority: boolean;
  orderedByKey: boolean;
  replay: boolean;
  durable: boolean;
  keepUnrouted: boolean;
  options: RabbitChannelOptions;
  /** Exchange, routing and per-group queues: Switchboard's defaults unless the channel maps others. */
  mapping: ChannelMapping;
  groups: Set<string>;
  /**
   * Recorded by the backend itself (the `<channel>.dead` channel a deliveryLimit dead-letters
   * into), not from a declaration: a later declaration of the channel replaces it.
   */
  implicit?: boolean;
}

/**
 * Declares and re-declares broker objects: one durable exchange per channel (fanout unless the
 * channel maps another), a durable queue per group bound to it, a stream beside them for
 * `replay`, delay queues on demand. Objects a channel maps with `declare: false` are only checked,
 * never declared or bound. Every declare runs on a throwaway channel; everything declared is
 * recorded and declared again after a reconnect (a broker that lost its state gets it all back
 * before publishing resumes).
 */
export class RabbitTopology {
  private readonly channels = new Map<string, ChannelTopology>();
  /** Delay queue name → when it was last declared and on which connection. */
  private readonly delayQueues = new Map<string, { at: number; generation: number }>();
  /** Declares in flight, so a burst of retries into one bucket declares its queue once. */
  private readonly declaring = new Map<string, Promise<void>>();
  /** `<channel>\n<queue>` of existing queues already checked against what that channel needs (a few round trips each). */
  private readonly verified = new Set<string>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly queueType: QueueTypeOption = 'auto',
  ) {
    connection.onTopologyRecovery((model) => this.restore(model as unknown as { createChannel(): Promise<Channel> }));
  }

  /** The recorded topology of a channel; channels used without a declaration get defaults. */
  get(name: string): ChannelTopology | undefined {
    return this.channels.get(name);
  }

  async ensureChannel(setup: ChannelSetup, implicit = false): Promise<ChannelTopology> {
    const known = this.channels.get(setup.name);
    const parent = setup.name.endsWith('.dead') ? this.channels.get(setup.name.slice(0, -'.dead'.length)) : undefined;
    const topology = known !== undefined && !(known.implicit === true && !implicit) ? known : describeChannel(setup, this.queueType, parent?.queueType.type);
    if (known !== undefined && topology !== known) for (const group of known.groups) topology.groups.add(group);
    if (implicit && known === undefined) topology.implicit = true;
    for (const group of setup.groups) topology.groups.add(group);
    const { mapping } = topology;
    if (!mapping.declareExchange) {
      await verifyExistingExchange(this.runner(), this.logger, mapping.exchange, mapping.exchangeType, `channel "${setup.name}"`, { durable: topology.durable });
    }
    // Existing queues first: a missing one is reported as such, not as a failed declare.
    for (const group of topology.groups) await this.verifyGroup(topology, group);
    await this.run(`declaring channel "${setup.name}"`, (channel) => this.declareChannel(channel, topology));
    this.channels.set(setup.name, topology);
    // At the delivery limit the broker dead-letters into <channel>.dead (its queues then follow this channel's type).
    if (topology.options.deliveryLimit !== undefined && this.channels.get(`${setup.name}.dead`) === undefined) {
      await this.ensureChannel({ name: `${setup.name}.dead`, requires: {}, groups: [], options: {} }, true);
    }
    return topology;
  }

  /** Declares a subscriber group's queue (idempotent), or checks the existing one it maps, and remembers it for reconnects. */
  async ensureGroup(topology: ChannelTopology, group: string): Promise<string> {
    const route = groupRoute(topology.mapping, group);
    await this.verifyGroup(topology, group);
    await this.run(`declaring queue "${route.queue}"`, (channel) => this.declareGroup(channel, topology, route));
    topology.groups.add(group);
    return route.queue;
  }

  /** Declares the queue responders share: gone with the last responder, so requests then fail fast. */
  async ensureRequestQueue(name: string): Promise<string> {
    const queue = requestQueueName(name);
    await this.run(`declaring queue "${queue}"`, (channel) => channel.assertQueue(queue, { durable: false, autoDelete: true }));
    return queue;
  }

  /**
   * A delay queue that dead-letters after each message's own TTL: back to one group's queue
   * (retry) or into the channel's exchange (delayed delivery). Re-declared often enough that its
   * `x-expires` never deletes it while it can still hold a message. On a key-routed channel the
   * delayed-delivery queue is also bound to the channel's delay exchange (see
   * {@link delayExchangeName}), so the message keeps its routing key through the delay.
   */
  async ensureDelayQueue(topology: ChannelTopology, group: string | undefined, bucketMs: number): Promise<string> {
    const channelName = topology.name;
    const queue = group === undefined ? delayQueueName(channelName, bucketMs) : retryQueueName(channelName, group, bucketMs);
    const known = this.delayQueues.get(queue);
    if (known !== undefined && known.generation === this.connection.generation && Date.now() - known.at < redeclareEveryMs(bucketMs)) return queue;
    const args: Record<string, unknown> =
      group === undefined
        ? { 'x-dead-letter-exchange': topology.mapping.exchange }
        : { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': groupRoute(topology.mapping, group).queue };
    args['x-expires'] = delayQueueExpiresMs(bucketMs);
    if (topology.queueType.type === 'quorum') Object.assign(args, quorumHoldingArguments());
    const viaExchange = group === undefined && routesByKey(topology.mapping.exchangeType);
    let declared = this.declaring.get(queue);
    if (declared === undefined) {
      const at = Date.now();
      const generation = this.connection.generation;
      declared = this.run(`declaring delay queue "${queue}"`, async (channel) => {
        await channel.assertQueue(queue, { durable: true, arguments: args });
        if (viaExchange) {
          const exchange = delayExchangeName(channelName);
          await channel.assertExchange(exchange, 'headers', { durable: true });
          await channel.bindQueue(queue, exchange, '', { 'x-match': 'all', [DELAY_BUCKET_HEADER]: String(bucketMs) });
        }
      })
        .then(() => void this.delayQueues.set(queue, { at, generation }))
        .finally(() => this.declaring.delete(queue));
      this.declaring.set(queue, declared);
    }
    await declared;
    return queue;
  }

  private runner() {
    return (operation: string, work: (channel: Channel) => Promise<unknown>) => this.run(operation, work);
  }

  private async run(operation: string, work: (channel: Channel) => Promise<unknown>): Promise<void> {
    await this.connection.withChannel(operation, Date.now() + this.timeoutMs, work);
  }

  private groupArguments(topology: ChannelTopology): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    if (topology.queueType.type === 'quorum') {
      args['x-queue-type'] = 'quorum';
      const limit = topology.options.deliveryLimit;
      if (limit !== undefined) {
        Object.assign(args, quorumHoldingArguments(), { 'x-delivery-limit': limit, 'x-dead-letter-exchange': exchangeName(`${topology.name}.dead`) });
      }
    }
    if (topology.priority) args['x-max-priority'] = topology.options.maxPriority;
    if (topology.orderedByKey) args['x-single-active-consumer'] = true;
    return args;
  }

  /** Checks, once per queue, that an existing queue a group maps has what the channel declared. */
  private async verifyGroup(topology: ChannelTopology, group: string): Promise<void> {
    const route = groupRoute(topology.mapping, group);
    const key = `${topology.name}\n${route.queue}`;
    if (route.declare || this.verified.has(key)) return;
    const args: Record<string, NeededArgument> = {};
    if (topology.priority) args['x-max-priority'] = { value: topology.options.maxPriority, why: `declares priority with maxPriority ${topology.options.maxPriority}` };
    if (topology.orderedByKey) args['x-single-active-consumer'] = { value: true, why: 'declares orderedByKey, which needs a single active consumer (true)' };
    await verifyExistingQueue(this.runner(), this.logger, route.queue, `group "${group}" of channel "${topology.name}"`, { durable: topology.durable, args });
    this.verified.add(key);
  }

  private async declareGroup(channel: Channel, topology: ChannelTopology, route: GroupRoute): Promise<void> {
    // An existing queue is its owner's: only check it is there (a missing one is a 404 ConfigError).
    if (!route.declare) {
      await channel.checkQueue(route.queue);
      return;
    }
    await channel.assertQueue(route.queue, { durable: true, arguments: this.groupArguments(topology) });
    for (const binding of route.bindings) await channel.bindQueue(route.queue, topology.mapping.exchange, binding.pattern, binding.args);
  }

  private async declareChannel(channel: Channel, topology: ChannelTopology): Promise<void> {
    const { exchange, exchangeType, declareExchange } = topology.mapping;
    if (!declareExchange) {
      await channel.checkExchange(exchange);
    } else if (topology.keepUnrouted) {
      const unrouted = unroutedExchangeName(topology.name);
      await channel.assertExchange(unrouted, 'fanout', { durable: true, internal: true });
      await channel.assertExchange(exchange, exchangeType, { durable: true, alternateExchange: unrouted });
      const parked = groupRoute(topology.mapping, PARKED_GROUP);
      await channel.assertQueue(parked.queue, { durable: true, arguments: this.groupArguments(topology) });
      await channel.bindQueue(parked.queue, unrouted, '');
    } else {
      await channel.assertExchange(exchange, exchangeType, { durable: true });
    }
    for (const group of topology.groups) await this.declareGroup(channel, topology, groupRoute(topology.mapping, group));
    if (topology.replay) {
      const every = everyMessageBinding(exchangeType);
      if (every === undefined) throw new ConfigError(`replay on channel "${topology.name}": a ${exchangeType} exchange has no binding that receives every message, so no stream can hold its history`);
      const stream = streamQueueName(topology.name);
      const args: Record<string, unknown> = { 'x-queue-type': 'stream', 'x-max-age': topology.options.streamMaxAge };
      if (topology.options.streamMaxBytes !== undefined) args['x-max-length-bytes'] = topology.options.streamMaxBytes;
      await channel.assertQueue(stream, { durable: true, arguments: args });
      await channel.bindQueue(stream, exchange, every.pattern, every.args);
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

/** A channel's recorded topology, from its declaration; throws ConfigError for options it cannot honour. */
function describeChannel(setup: ChannelSetup, busQueueType: QueueTypeOption, parentQueueType?: 'classic' | 'quorum'): ChannelTopology {
  const options = parseConfig(RabbitChannelOptionsSchema, setup.options, `RabbitMQ options of channel "${setup.name}"`);
  const mapping = resolveMapping(setup.name, options.rabbitmq);
  const queueType = chooseQueueType(setup.requires, options.queueType, busQueueType, parentQueueType);
  if (options.deliveryLimit !== undefined && queueType.type !== 'quorum') {
    throw new ConfigError(`channel "${setup.name}": deliveryLimit needs quorum queues, but its queues are classic (${queueType.why}); set queueType: 'quorum' or drop deliveryLimit`);
  }
  if (options.keepUnrouted === true && !mapping.declareExchange) {
    throw new ConfigError(
      `channel "${setup.name}": keepUnrouted needs an exchange Switchboard declares (its alternate exchange is set at declaration); ` +
        'give the existing exchange an alternate-exchange policy instead, or drop keepUnrouted',
    );
  }
  const keepUnrouted = options.keepUnrouted ?? (setup.name.endsWith('.dead') && mapping.declareExchange);
  const topology: ChannelTopology = {
    name: setup.name,
    queueType,
    priority: isDeclared(setup.requires, 'priority') && queueType.type === 'classic',
    orderedByKey: isDeclared(setup.requires, 'orderedByKey'),
    replay: isDeclared(setup.requires, 'replay'),
    durable: isDeclared(setup.requires, 'durable'),
    keepUnrouted,
    options,
    mapping,
    // A mapped group is part of the channel's topology: its queue is declared (or checked) at connect.
    groups: new Set(mapping.groups.keys()),
  };
  if (keepUnrouted && !groupRoute(mapping, PARKED_GROUP).declare) {
    throw new ConfigError(`channel "${setup.name}": the ${PARKED_GROUP} group keeps unrouted messages in a queue Switchboard declares; do not map it onto an existing queue`);
  }
  return topology;
}
