import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  ClosedError,
  ConnectionError,
  isDeclared,
  parseConfig,
  type Backend,
  type BackendContext,
  type CapabilityReport,
  type ChannelSetup,
  type ConsumeOptions,
  type ConsumerHandle,
  type Delivery,
  type DeliverFn,
  type Logger,
  type ReplayFrom,
  type RequestOptions,
  type WireMessage,
} from '@switchboard/core';
import type { Admin, Kafka as KafkaClient, KafkaMessage, SASLOptions } from 'kafkajs';
import { Kafka } from './kafkajs-runtime.js';
import { probeBrokers } from './broker-probe.js';
import { GroupConsumer, type DeliveryFactory } from './group-consumer.js';
import type { PinOptions } from './group-pin.js';
import { kafkaCapabilities } from './kafka-capabilities.js';
import { translateKafkaError } from './kafka-errors.js';
import { fromKafkaMessage } from './kafka-message.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { parseKafkaUrl } from './kafka-url.js';
import { createLogCreator, kafkaLogLevel } from './log-creator.js';
import { KafkaOptionsSchema, type ResolvedKafkaOptions } from './options.js';
import { encodePosition } from './position.js';
import { replayStart } from './replay-start.js';
import { KafkaRequester, REPLY_TOPIC_SUFFIX, replyFor, requestExpired, withoutReplyHeaders } from './request-reply.js';
import { TopicAdmin } from './topic-admin.js';

const HEADER_PREFIX = 'ce_';

interface Connected {
  admin: Admin;
  topics: TopicAdmin;
  publisher: KafkaPublisher;
  requester: KafkaRequester;
}

/**
 * Switchboard's Kafka backend over kafkajs: one admin client and one producer per bus, one
 * consumer per subscription (its own consumer group per subscriber group).
 */
export class KafkaBackend implements Backend {
  readonly name = 'kafka';
  readonly binding = { headerPrefix: HEADER_PREFIX };
  readonly capabilities: CapabilityReport;
  readonly maxMessageBytes: number;
  private readonly options: ResolvedKafkaOptions;
  private readonly logger: Logger;
  private readonly kafka: KafkaClient;
  private readonly brokers: string[];
  private readonly instanceId = randomUUID();
  private connected: Connected | undefined;
  private readonly declaredGroups = new Map<string, Set<string>>();
  /** Channels that declared durable: their topics (and `.dead` topics) are created replicated. */
  private readonly durableChannels = new Set<string>();
  private readonly groupSetups = new Map<string, Promise<void>>();
  private readonly handles = new Set<GroupConsumer>();
  private closing: Promise<void> | undefined;

  constructor(context: BackendContext) {
    this.options = parseConfig(KafkaOptionsSchema, context.options, 'Kafka backend options');
    this.logger = context.logger;
    const endpoint = parseKafkaUrl(context.url);
    this.brokers = endpoint.brokers;
    this.capabilities = kafkaCapabilities(this.options);
    this.maxMessageBytes = this.options.maxMessageBytes;
    const sasl = this.options.sasl ?? endpoint.sasl;
    const ssl = this.options.ssl ?? (endpoint.tls ? true : undefined);
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: endpoint.brokers,
      ...(ssl !== undefined && { ssl: ssl as boolean }),
      ...(sasl !== undefined && { sasl: sasl as SASLOptions }),
      connectionTimeout: this.options.connectionTimeoutMs,
      requestTimeout: this.options.requestTimeoutMs,
      retry: {
        retries: this.options.retry.retries,
        initialRetryTime: this.options.retry.initialRetryTimeMs,
        maxRetryTime: this.options.retry.maxRetryTimeMs,
      },
      logLevel: kafkaLogLevel(this.options.clientLogLevel),
      logCreator: createLogCreator(this.logger),
    });
  }

  async connect(): Promise<void> {
    if (this.connected !== undefined) return;
    const admin = this.kafka.admin();
    const topics = new TopicAdmin(this.kafka, admin, this.pinOptions(), this.options.retry, this.logger);
    const publisher = new KafkaPublisher(this.kafka, this.options, topics, this.logger);
    const budget = this.options.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    // The probe owns the budget; this bound only catches a broker that accepts TCP but never
    // completes the Kafka handshake (wrong port, TLS or SASL mismatch).
    const outer = budget + this.options.connectionTimeoutMs;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConnectionError(`Kafka: ${this.brokers.join(', ')} accepted TCP connections but the Kafka handshake did not complete within ${outer} ms; check the port, TLS and SASL settings`)),
        outer,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await probeBrokers(this.brokers, budget, this.options.connectionTimeoutMs);
          await admin.connect();
          await publisher.connect();
        })(),
        timeout,
      ]);
    } catch (error) {
      // Not awaited: against a listener that never answers, disconnecting waits for kafkajs'
      // requestTimeout (30 s), and connect() must fail when its own budget says.
      void Promise.allSettled([publisher.close(), admin.disconnect()]);
      throw translateKafkaError(error, `connecting to ${this.brokers.join(', ')}`);
    } finally {
      clearTimeout(timer);
    }
    const requester = new KafkaRequester({
      admin: topics,
      publisher,
      listen: (topic, deliver) => this.listen(topic, deliver),
    });
    this.connected = { admin, topics, publisher, requester };
  }

  private get ready(): Connected {
    if (this.closing !== undefined) throw new ClosedError('The Kafka backend is closed');
    if (this.connected === undefined) throw new ConnectionError('The Kafka backend is not connected: call connect() first');
    return this.connected;
  }

  async ensureChannel(setup: ChannelSetup): Promise<void> {
    const { topics } = this.ready;
    if (setup.name.endsWith(REPLY_TOPIC_SUFFIX)) {
      throw new ConfigError(
        `Channel name "${setup.name}" ends in "${REPLY_TOPIC_SUFFIX}", which Kafka request/reply uses for the reply topic of channel ` +
          `"${setup.name.slice(0, -REPLY_TOPIC_SUFFIX.length)}"; choose another name`,
      );
    }
    const declared = setup.options.partitions;
    const partitions = typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : this.options.partitions;
    // A durable channel's topic and its dead letters' topic are replicated (topic-admin decides how far).
    if (isDeclared(setup.requires, 'durable')) this.durableChannels.add(setup.name);
    await topics.ensureTopic({
      topic: setup.name,
      partitions,
      durable: this.durableChannels.has(setup.name) || this.durableChannels.has(setup.name.replace(/\.dead$/, '')),
      ...(this.options.replicationFactor !== undefined && { replicationFactor: this.options.replicationFactor }),
      ...(this.options.minInsyncReplicas !== undefined && { minInsyncReplicas: this.options.minInsyncReplicas }),
    });
    if (setup.groups.length === 0) return;
    let groups = this.declaredGroups.get(setup.name);
    if (groups === undefined) this.declaredGroups.set(setup.name, (groups = new Set()));
    for (const group of setup.groups) groups.add(group);
    // Declared groups exist from now on: pin them to the earliest retained offset so whoever
    // subscribes first (this process or another) reads what was published in the meantime.
    await Promise.all(setup.groups.map((group) => this.prepareGroup(this.groupId(setup.name, group), setup.name, 'earliest')));
  }

  publish(channel: string, messages: WireMessage[]): Promise<void> {
    return this.ready.publisher.publish(channel, messages);
  }

  async consume(channel: string, group: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const declared = this.declaredGroups.get(channel)?.has(group) === true;
    const groupId = this.groupId(channel, group);
    await this.prepareGroup(groupId, channel, declared ? 'earliest' : 'latest');
    return this.startConsumer({
      topic: channel,
      groupId,
      label: `subscriber group "${group}" of channel "${channel}"`,
      fromBeginning: declared,
      commit: true,
      concurrency: options.concurrency,
      deliver,
      toDelivery: this.deliveryFactory(),
    });
  }

  async replay(channel: string, from: ReplayFrom, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { topics } = this.ready;
    const start = await replayStart(channel, from, topics);
    const groupId = this.groupId(channel, `@replay-${randomUUID()}`);
    const consumer = await this.startConsumer({
      topic: channel,
      groupId,
      label: `replay of channel "${channel}"`,
      fromBeginning: start.fromBeginning,
      seekTo: start.seekTo,
      commit: false,
      concurrency: options.concurrency,
      deliver,
      toDelivery: this.deliveryFactory(),
    });
    consumer.afterClose(() => topics.deleteGroup(groupId));
    return consumer;
  }

  async respond(channel: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { publisher } = this.ready;
    const groupId = this.groupId(channel, '@responders');
    await this.prepareGroup(groupId, channel, 'latest');
    const plain = this.deliveryFactory();
    const send = (topic: string, reply: WireMessage): Promise<void> => publisher.publish(topic, [reply]);
    return this.startConsumer({
      topic: channel,
      groupId,
      label: `responders of channel "${channel}"`,
      fromBeginning: false,
      commit: true,
      concurrency: options.concurrency,
      deliver,
      toDelivery: (message, partition, ack, redelivered) => {
        const delivery = plain(message, partition, ack, redelivered);
        if (delivery === undefined || requestExpired(delivery.headers)) return undefined;
        const reply = replyFor(channel, delivery.headers, send);
        if (reply !== undefined) delivery.reply = reply;
        delivery.headers = withoutReplyHeaders(delivery.headers);
        return delivery;
      },
    });
  }

  request(channel: string, message: WireMessage, options: RequestOptions): Promise<Delivery> {
    return this.ready.requester.request(channel, message, options.timeoutMs);
  }

  /** A non-committing reader of `topic` from its current end (reply listeners). */
  private async listen(topic: string, deliver: (delivery: Delivery) => void): Promise<GroupConsumer> {
    const { topics } = this.ready;
    const offsets = await topics.topicOffsets(topic);
    const groupId = this.groupId(topic, `@requester-${this.instanceId}`);
    const consumer = await this.startConsumer({
      topic,
      groupId,
      label: `reply listener on "${topic}"`,
      fromBeginning: false,
      seekTo: new Map(offsets.map((o) => [o.partition, o.high])),
      commit: false,
      concurrency: 64,
      deliver,
      toDelivery: this.deliveryFactory(),
    });
    consumer.afterClose(() => topics.deleteGroup(groupId));
    return consumer;
  }

  private pinOptions(): PinOptions {
    const o = this.options;
    return {
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs,
      timeoutMs: o.connectTimeoutMs + o.rebalanceTimeoutMs,
    };
  }

  private groupId(channel: string, group: string): string {
    return `${this.options.groupIdPrefix}${channel}:${group}`;
  }

  /**
   * Gives a group without committed offsets explicit ones before its first member runs, so it
   * starts exactly at the log end (or, for declared groups, at the earliest retained message)
   * no matter which member gets which partition. Serialised per group within this process.
   */
  private prepareGroup(groupId: string, topic: string, start: 'earliest' | 'latest'): Promise<void> {
    const { topics } = this.ready;
    const previous = this.groupSetups.get(groupId) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (await topics.hasCommittedOffsets(groupId, topic)) return;
        const offsets = await topics.topicOffsets(topic);
        await topics.pinGroup(groupId, topic, offsets.map((o) => ({ partition: o.partition, offset: start === 'earliest' ? o.low : o.high })));
      });
    this.groupSetups.set(groupId, next);
    return next;
  }

  private async startConsumer(config: {
    topic: string;
    groupId: string;
    label: string;
    fromBeginning: boolean;
    seekTo?: Map<number, string>;
    commit: boolean;
    concurrency: number;
    deliver: DeliverFn;
    toDelivery: DeliveryFactory;
  }): Promise<GroupConsumer> {
    const { topics } = this.ready;
    const partitions = await topics.partitionCount(config.topic);
    const consumer = new GroupConsumer({
      ...config,
      kafka: this.kafka,
      options: this.options,
      logger: this.logger,
      partitionsConcurrently: Math.max(1, Math.min(config.concurrency, partitions)),
    });
    await consumer.start();
    this.handles.add(consumer);
    consumer.afterClose(async () => void this.handles.delete(consumer));
    return consumer;
  }

  private deliveryFactory(): DeliveryFactory {
    return (message: KafkaMessage, partition: number, ack: () => void, redelivered: boolean): Delivery => {
      // Extends the freshly built wire object in place: a spread copy per message showed in profiles.
      const delivery = fromKafkaMessage(message, `${HEADER_PREFIX}id`) as Delivery;
      delivery.redelivered = redelivered;
      delivery.position = encodePosition({ partition, offset: message.offset, timestamp: delivery.timestamp });
      delivery.ack = ack;
      return delivery;
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const connected = this.connected;
      if (connected === undefined) return;
      const closed = new ClosedError('The Kafka backend closed while waiting for a reply');
      await Promise.allSettled([...this.handles].map((h) => h.close()));
      await connected.requester.close(closed);
      await connected.publisher.close();
      await connected.admin.disconnect().catch(() => {});
    })();
    return this.closing;
  }
}

/** Creates the backend for `connect()`; exported for applications that build backends themselves. */
export function createKafkaBackend(context: BackendContext): Backend {
  return new KafkaBackend(context);
}
