import {
  ConfigError,
  parseConfig,
  type Backend,
  type BackendContext,
  type BackendFactory,
  type CapabilityCatalog,
  type CapabilityName,
  type CapabilityReport,
  type BackendEvents,
  type CapabilitySupport,
  type ConnectionStatus,
  type ChannelSetup,
  type ConsumeOptions,
  type ConsumerHandle,
  type Delivery,
  type DeliverFn,
  type Logger,
  type ReplayFrom,
  type RequestOptions,
  type Requirements,
  type WireMessage,
  ClosedError,
  silentLogger,
} from '@switchboard/core';
import { parseBrokerUrl } from './broker-url.js';
import { groupSpec, replaySpec, respondSpec, type SpecContext } from './consumer-specs.js';
import { delayBucket, MAX_DELAY_MS } from './delay-buckets.js';
import { RabbitOptionsSchema, type RabbitOptions, type RabbitOptionsInput } from './options.js';
import { QueueConsumer, type QueueConsumerSpec } from './queue-consumer.js';
import { rabbitCatalog } from './catalog.js';
import { RabbitConnection } from './rabbit-connection.js';
import { BrokerSizeLimitError } from './rabbit-errors.js';
import { checkHeaderTable, RabbitPublisher, type Outgoing } from './rabbit-publisher.js';
import { RabbitReplier } from './rabbit-replier.js';
import { RabbitRequester } from './rabbit-requester.js';
import { RabbitTopology, type ChannelTopology } from './rabbit-topology.js';
import { publishRoutingKey, routesByKey } from './topology-mapping.js';
import { delayExchangeName, MAX_NAME_BYTES } from './topology-names.js';
import { DELAY_BUCKET_HEADER, READ_PREFIXES, toPublish } from './wire-properties.js';

/**
 * The RabbitMQ backend. Two AMQP connections, as RabbitMQ advises: when the broker throttles a
 * publishing connection (credit flow, alarms) it stops reading from its socket, which would also
 * hold back the acks of consumers sharing it. The publishing connection carries the confirm
 * channel, declares (on throwaway channels), retries, requests, responders and their replies; the
 * consuming one a channel per subscriber or replay. Both recover on their own.
 */
class RabbitBackend implements Backend {
  readonly name = 'rabbitmq';
  readonly binding: { headerPrefix: string; readPrefixes: readonly string[] };
  readonly capabilities: CapabilityReport;
  /**
   * Starts at the `maxMessageBytes` option (AMQP 0-9-1 cannot read the broker's
   * `max_message_size`) and drops to the broker's real limit the first time it refuses a message.
   */
  maxMessageBytes: number;
  private readonly publishing: RabbitConnection;
  private readonly consuming: RabbitConnection;
  private readonly topology: RabbitTopology;
  private readonly publisher: RabbitPublisher;
  private readonly requester: RabbitRequester;
  private readonly replier: RabbitReplier;
  private readonly consumers = new Set<QueueConsumer>();
  /** Exchange → channel name, to name the channel of a returned message. */
  private readonly exchangeChannels = new Map<string, string>();
  private closed: Promise<void> | undefined;
  private readonly catalog: CapabilityCatalog;

  constructor(
    url: string,
    private readonly options: RabbitOptions,
    private readonly logger: Logger,
  ) {
    this.binding = { headerPrefix: options.cloudEventsPrefix, readPrefixes: READ_PREFIXES };
    this.catalog = rabbitCatalog(options.queueType);
    this.capabilities = this.catalog.capabilities;
    this.maxMessageBytes = options.maxMessageBytes;
    const brokers = parseBrokerUrl(url);
    this.publishing = new RabbitConnection(brokers, options, logger, 'publish');
    this.consuming = new RabbitConnection(brokers, options, logger, 'consume');
    this.topology = new RabbitTopology(this.publishing, options.operationTimeoutMs, logger, options.queueType);
    this.publisher = new RabbitPublisher(this.publishing, options.operationTimeoutMs, logger);
    this.requester = new RabbitRequester(this.publishing);
    this.replier = new RabbitReplier(this.publishing, options.operationTimeoutMs, logger);
  }

  channelCapabilities(channel: string, requires: Requirements, options?: Record<string, unknown>): Partial<Record<CapabilityName, CapabilitySupport>> {
    return this.catalog.channelCapabilities?.(channel, requires, options) ?? {};
  }

  observe(events: BackendEvents): void {
    this.publishing.onStatus = (status) => events.connection(status);
    this.consuming.onStatus = (status) => events.connection(status);
    this.publishing.onReturn = (message) => {
      const { exchange, replyText } = message.fields as { exchange: string; replyText?: string };
      events.returned({ channel: this.exchangeChannels.get(exchange) ?? exchange, id: String(message.properties.messageId ?? ''), reason: replyText ?? 'NO_ROUTE' });
    };
  }

  health(): ConnectionStatus[] {
    return [this.publishing.status, this.consuming.status];
  }

  async connect(): Promise<void> {
    await this.publishing.open();
    try {
      await this.consuming.open();
    } catch (error) {
      await this.publishing.close();
      throw error;
    }
  }

  async ensureChannel(setup: ChannelSetup): Promise<void> {
    this.assertOpen();
    // RabbitMQ reserves amq.* exchange names and answers a declare with ACCESS_REFUSED, which reads like bad credentials.
    if (setup.name.startsWith('amq.')) {
      throw new ConfigError(`Channel name "${setup.name}" is reserved on RabbitMQ (amq.* belongs to the broker's own exchanges); choose another name`);
    }
    await this.topology.ensureChannel(setup);
  }

  /** Per-message limits, checked by core before the message joins a batch (a refusal here fails only this publish). */
  checkMessage(channel: string, message: WireMessage): void {
    const mapping = this.topology.get(channel)?.mapping;
    const routingKey = mapping === undefined ? '' : publishRoutingKey(mapping, message.key);
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long keys need counting.
    if (routingKey.length * 3 > MAX_NAME_BYTES && Buffer.byteLength(routingKey) > MAX_NAME_BYTES) {
      throw new ConfigError(`key "${routingKey.slice(0, 40)}…" on channel "${channel}" is its routing key, and AMQP routing keys are at most ${MAX_NAME_BYTES} bytes: use a shorter key`);
    }
    if (message.delayMs !== undefined && message.delayMs > MAX_DELAY_MS) {
      throw new ConfigError(`delayMs ${message.delayMs} on channel "${channel}" exceeds RabbitMQ's emulated maximum of ${MAX_DELAY_MS} ms (ten days); schedule longer delays in a database`);
    }
    checkHeaderTable(message.headers, channel);
  }

  async publish(channel: string, messages: WireMessage[]): Promise<void> {
    this.assertOpen();
    const topology = await this.channelTopology(channel);
    const { mapping } = topology;
    const outgoing: Outgoing[] = [];
    for (const message of messages) {
      // Core ran checkMessage() on each of these already; the dead-letter path relies on the publisher's own checks.
      const routingKey = publishRoutingKey(mapping, message.key);
      if (message.delayMs !== undefined && message.delayMs > 0) {
        const bucket = delayBucket(message.delayMs);
        const queue = await this.topology.ensureDelayQueue(topology, undefined, bucket);
        const plan = toPublish(message, { delayMs: message.delayMs });
        if (routesByKey(mapping.exchangeType)) {
          // Through the delay exchange, so the routing key the channel's exchange routes by survives the delay.
          (plan.options.headers as Record<string, unknown>)[DELAY_BUCKET_HEADER] = String(bucket);
          outgoing.push({ exchange: delayExchangeName(channel), routingKey, channel, plan });
        } else {
          outgoing.push({ exchange: '', routingKey: queue, channel, plan });
        }
      } else {
        const plan = toPublish(message);
        // Mandatory: a message no queue is bound for comes back as basic.return (bus.on('returned'))
        // instead of vanishing; the broker still confirms it, so the publish resolves as before.
        plan.options.mandatory = true;
        outgoing.push({ exchange: mapping.exchange, routingKey, channel, plan });
      }
    }
    if (!this.exchangeChannels.has(mapping.exchange)) this.exchangeChannels.set(mapping.exchange, channel);
    try {
      await this.publisher.publish(outgoing);
    } catch (error) {
      if (error instanceof BrokerSizeLimitError && error.limitBytes > 0 && error.limitBytes < this.maxMessageBytes) {
        this.maxMessageBytes = error.limitBytes;
        this.logger.warn('switchboard: RabbitMQ max_message_size is lower than the maxMessageBytes option; using the broker\'s limit', { limitBytes: error.limitBytes });
      }
      throw error;
    }
  }

  async consume(channel: string, group: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const topology = await this.channelTopology(channel);
    return this.startConsumer(groupSpec(this.specContext(), topology, group, options), deliver, options);
  }

  async replay(channel: string, from: ReplayFrom, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const topology = await this.channelTopology(channel);
    if (!topology.replay) throw new ConfigError(`replay() on channel "${channel}": declare requires: { replay: true } so its stream exists`);
    return this.startConsumer(replaySpec(topology, from, options), deliver, options);
  }

  async respond(channel: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    // Responders read on the publishing connection: their replies go out on it anyway (so a throttled
    // publishing connection stalls them either way), and requests, replies and acks on one socket
    // cost about a quarter less CPU per round trip than spread over two.
    return this.startConsumer(respondSpec(this.specContext(), channel, options), deliver, options, this.publishing);
  }

  request(channel: string, message: WireMessage, options: RequestOptions): Promise<Delivery> {
    this.assertOpen();
    return this.requester.request(channel, message, options.timeoutMs);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled([...this.consumers].map((consumer) => consumer.close()));
      await Promise.all([this.requester.close(), this.replier.close()]);
      await Promise.all([this.consuming.close(), this.publishing.close()]);
    })();
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed !== undefined) throw new ClosedError('The RabbitMQ backend is closed');
  }

  private specContext(): SpecContext {
    return { topology: this.topology, publisher: this.publisher, replier: this.replier };
  }

  /** Core ensures every channel before using it; a direct SPI caller gets the defaults. */
  private async channelTopology(channel: string): Promise<ChannelTopology> {
    return this.topology.get(channel) ?? (await this.topology.ensureChannel({ name: channel, requires: {}, groups: [], options: {} }));
  }

  private async startConsumer(spec: QueueConsumerSpec, deliver: DeliverFn, options: ConsumeOptions, connection = this.consuming): Promise<ConsumerHandle> {
    this.assertOpen();
    const consumer = new QueueConsumer(connection, spec, deliver, this.options.operationTimeoutMs, this.logger, options.status);
    await consumer.start();
    this.consumers.add(consumer);
    return {
      stop: () => consumer.stop(),
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.close();
      },
    };
  }
}

/**
 * Creates a RabbitMQ backend for `amqp://` / `amqps://` urls: `user:pass@host:port/vhost`,
 * several comma-separated hosts for a cluster. Throws ConfigError for bad options.
 */
export function createRabbitBackend(context: { url: string; options?: RabbitOptionsInput; logger?: Logger }): Backend {
  const parsed = parseConfig(RabbitOptionsSchema, context.options ?? {}, 'RabbitMQ options');
  return new RabbitBackend(context.url, parsed, context.logger ?? silentLogger);
}

/** What `connect()` loads for `amqp://` and `amqps://` urls. */
export const backendFactory: BackendFactory = {
  name: 'rabbitmq',
  schemes: ['amqp', 'amqps'],
  create(context: BackendContext): Backend {
    return createRabbitBackend({ ...context, options: context.options as RabbitOptionsInput });
  },
};
