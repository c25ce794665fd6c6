import { randomUUID } from 'node:crypto';
import {
  ConfigError,
  isDeclared,
  ClosedError,
  ConnectionError,
  parseConfig,
  silentLogger,
  type Backend,
  type BackendContext,
  type CapabilityReport,
  type ChannelSetup,
  type ChannelTopologyReport,
  type BackendEvents,
  type ConnectionStatus,
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
import { ChannelMap, parseChannelOptions } from './channel-mapping.js';
import { DELAY_TOPIC_SUFFIX, DelayForwarder, delayTopicOf, toDelayRecord } from './delay-forwarder.js';
import { installCompressionCodecs } from './compression-registry.js';
import { KafkaClientMonitor } from './client-monitor.js';
import { kafkaMessageAttributes } from './message-attributes.js';
import { GroupConsumer, type DeliveryFactory } from './group-consumer.js';
import type { PinOptions } from './group-pin.js';
import { kafkaCapabilities } from './kafka-capabilities.js';
import { GroupProtocolError, KeyRequiredError, translateKafkaError } from './kafka-errors.js';
import { fromKafkaMessage } from './kafka-message.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { parseKafkaUrl } from './kafka-url.js';
import { createLogCreator, kafkaLogLevel } from './log-creator.js';
import { KafkaOptionsSchema, type KafkaOptions, type ResolvedKafkaOptions } from './options.js';
import { encodePosition } from './position.js';
import { replayStart } from './replay-start.js';
import { KafkaRequester, REPLY_TOPIC_SUFFIX, replyFor, requestExpired, withoutReplyHeaders } from './request-reply.js';
import { TopicAdmin } from './topic-admin.js';

const HEADER_PREFIX = 'ce_';
const ID_HEADER = `${HEADER_PREFIX}id`;

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
  readonly binding = {
    /** `ce_`: the CloudEvents Kafka protocol binding. */
    headerPrefix: HEADER_PREFIX,
  };
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
  /** Per channel declared with delayedDelivery: this bus's delay forwarder and its consumer. */
  private readonly forwarders = new Map<string, Promise<{ forwarder: DelayForwarder; consumer: GroupConsumer }>>();
  private readonly channels: ChannelMap;
  private closing: Promise<void> | undefined;
  private readonly monitor: KafkaClientMonitor;

  constructor(context: BackendContext) {
    this.options = parseConfig(KafkaOptionsSchema, context.options, 'Kafka backend options');
    this.logger = context.logger;
    const endpoint = parseKafkaUrl(context.url);
    this.brokers = endpoint.brokers;
    this.capabilities = kafkaCapabilities(this.options);
    this.maxMessageBytes = this.options.maxMessageBytes;
    this.channels = new ChannelMap(this.options.groupIdPrefix, this.options.compression);
    // kafkajs keeps codecs in one process-wide registry; see installCompressionCodecs.
    installCompressionCodecs();
    const sasl = this.options.sasl ?? endpoint.sasl;
    const ssl = this.options.ssl ?? (endpoint.tls ? true : undefined);
    this.monitor = new KafkaClientMonitor(endpoint.brokers.join(','));
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: endpoint.brokers,
      ...(ssl !== undefined && { ssl: ssl as boolean }),
      ...(sasl !== undefined && { sasl: sasl as SASLOptions }),
      connectionTimeout: this.options.connectAttemptTimeoutMs,
      requestTimeout: this.options.requestTimeoutMs,
      retry: {
        retries: this.options.retry.retries,
        initialRetryTime: this.options.retry.initialRetryTimeMs,
        maxRetryTime: this.options.retry.maxRetryTimeMs,
      },
      logLevel: kafkaLogLevel(this.options.clientLogLevel),
      logCreator: createLogCreator(this.logger),
    });
    this.monitor.watchProducers(this.kafka);
  }

  observe(events: BackendEvents): void {
    this.monitor.observe(events);
  }

  health(): ConnectionStatus[] {
    return this.monitor.health();
  }

  messageAttributes(delivery: Delivery): Record<string, string | number> | undefined {
    return kafkaMessageAttributes(delivery);
  }

  async connect(): Promise<void> {
    if (this.connected !== undefined) return;
    const admin = this.kafka.admin();
    const topics = new TopicAdmin(this.kafka, admin, this.pinOptions(), this.options.retry, this.logger, this.options.metadataMaxAgeMs);
    const publisher = new KafkaPublisher(this.kafka, this.options, topics, this.logger, (topic) => this.channels.compressionOf(topic));
    const budget = this.options.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    // The probe owns the budget; this bound only catches a broker that accepts TCP but never
    // completes the Kafka handshake (wrong port, TLS or SASL mismatch).
    const outer = budget + this.options.connectAttemptTimeoutMs;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConnectionError(`Kafka: ${this.brokers.join(', ')} accepted TCP connections but the Kafka handshake did not complete within ${outer} ms; check the port, TLS and SASL settings`)),
        outer,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await probeBrokers(this.brokers, budget, this.options.connectAttemptTimeoutMs);
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
    const reserved: [string, string][] = [
      [REPLY_TOPIC_SUFFIX, 'request/reply uses for the reply topic'],
      [DELAY_TOPIC_SUFFIX, 'delayed delivery uses for the delay topic'],
    ];
    for (const [suffix, use] of reserved) {
      if (!setup.name.endsWith(suffix)) continue;
      throw new ConfigError(
        `Channel name "${setup.name}" ends in "${suffix}", which Kafka ${use} of channel "${setup.name.slice(0, -suffix.length)}"; choose another name`,
      );
    }
    const topic = this.channels.declare(setup.name, parseChannelOptions(setup.name, setup.options));
    const declared = setup.options['partitions'];
    const explicit = typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : undefined;
    const partitions = explicit ?? this.options.partitions;
    // A durable channel's topic and its dead letters' topic are replicated (topic-admin decides how far).
    if (isDeclared(setup.requires, 'durable')) this.durableChannels.add(setup.name);
    const facts = await topics.ensureTopic({
      topic,
      partitions,
      durable: this.durableChannels.has(setup.name) || this.durableChannels.has(setup.name.replace(/\.dead$/, '')),
      ...(this.options.replicationFactor !== undefined && { replicationFactor: this.options.replicationFactor }),
      ...(this.options.minInsyncReplicas !== undefined && { minInsyncReplicas: this.options.minInsyncReplicas }),
    });
    const warnings: string[] = [];
    if (!facts.created && explicit !== undefined && facts.partitions !== explicit) {
      // Kafka can only add partitions (which moves keys), never remove them: reported, not changed.
      warnings.push(
        `channel "${setup.name}" declares ${explicit} partitions but topic "${topic}" already has ${facts.partitions}; ` +
          `the topic is used as it is (add partitions with kafka-topics --alter, or declare ${facts.partitions})`,
      );
    }
    this.channels.setFacts(setup.name, facts, warnings);
    for (const warning of warnings) this.logger.warn(`switchboard kafka: ${warning}`, { channel: setup.name, topic });
    if (isDeclared(setup.requires, 'delayedDelivery')) await this.startForwarder(setup.name, topic, facts.partitions);
    if (setup.groups.length === 0) return;
    let groups = this.declaredGroups.get(setup.name);
    if (groups === undefined) this.declaredGroups.set(setup.name, (groups = new Set()));
    for (const group of setup.groups) {
      groups.add(group);
      this.channels.noteGroup(setup.name, group);
    }
    // Declared groups exist from now on: pin them to the earliest retained offset so whoever
    // subscribes first (this process or another) reads what was published in the meantime.
    await Promise.all(setup.groups.map((group) => this.prepareGroup(this.channels.groupIdOf(setup.name, group), topic, 'earliest')));
  }

  /**
   * Delayed messages go to the channel's delay topic with their due time; the channel's forwarder
   * moves each to the channel when due. The rest of the batch goes to the channel as usual.
   */
  private async publishDelayed(channel: string, topic: string, messages: WireMessage[]): Promise<void> {
    const { publisher } = this.ready;
    if (!this.forwarders.has(channel)) {
      throw new ConfigError(`delayMs on channel "${channel}": declare requires: { delayedDelivery: true } so its delay topic and forwarder exist`);
    }
    const now = Date.now();
    const delayed = messages.filter((m) => m.delayMs !== undefined && m.delayMs > 0).map((m) => toDelayRecord(m, now));
    const direct = messages.filter((m) => m.delayMs === undefined || m.delayMs <= 0);
    await Promise.all([publisher.publish(delayTopicOf(topic), delayed), direct.length === 0 ? undefined : this.publish(channel, direct)]);
  }

  /** Starts this bus's member of the channel's forwarder group (once per channel), after creating the delay topic. */
  private startForwarder(channel: string, topic: string, partitions: number): Promise<void> {
    let started = this.forwarders.get(channel);
    if (started === undefined) {
      started = (async () => {
        const { topics, publisher } = this.ready;
        const delayTopic = delayTopicOf(topic);
        await topics.ensureTopic({
          topic: delayTopic,
          partitions,
          ...(this.options.replicationFactor !== undefined && { replicationFactor: this.options.replicationFactor }),
        });
        const label = `delay forwarder of channel "${channel}"`;
        const forwarder = new DelayForwarder({ forward: (message) => publisher.publish(topic, [message]), logger: this.logger, label });
        const groupId = this.groupId(channel, '@delay');
        await this.prepareGroup(groupId, delayTopic, 'earliest');
        const consumer = await this.startConsumer({
          topic: delayTopic,
          groupId,
          label,
          fromBeginning: true,
          commit: true,
          concurrency: 64,
          deliver: forwarder.deliver,
          toDelivery: this.deliveryFactory(delayTopic),
        });
        return { forwarder, consumer };
      })();
      started.catch(() => this.forwarders.delete(channel));
      this.forwarders.set(channel, started);
    }
    return started.then(() => undefined);
  }

  topologyReport(channel: string): ChannelTopologyReport | undefined {
    return this.channels.topology(channel);
  }

  publish(channel: string, messages: WireMessage[]): Promise<void> {
    const { publisher } = this.ready;
    const topic = this.channels.topicOf(channel);
    if (messages.some((m) => m.delayMs !== undefined && m.delayMs > 0)) return this.publishDelayed(channel, topic, messages);
    if (this.channels.isCompacted(channel) && messages.some((m) => m.key === undefined)) {
      return Promise.reject(
        new KeyRequiredError(
          `Kafka: channel "${channel}" maps to compacted topic "${topic}" (cleanup.policy=compact), which keeps the latest record per key ` +
            'and refuses records without one; publish with { key }',
          topic,
        ),
      );
    }
    return publisher.publish(topic, messages);
  }

  async consume(channel: string, group: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const declared = this.declaredGroups.get(channel)?.has(group) === true;
    const topic = this.channels.topicOf(channel);
    const groupId = this.channels.groupIdOf(channel, group);
    this.channels.noteGroup(channel, group);
    await this.prepareGroup(groupId, topic, declared ? 'earliest' : 'latest');
    try {
      return await this.startConsumer({
        topic,
        groupId,
        label: `subscriber group "${group}" of channel "${channel}"`,
        // Every partition that existed got a committed offset from prepareGroup; one without any
        // was added to the topic later, so all of it is new and is read from its start.
        fromBeginning: true,
        commit: true,
        concurrency: options.concurrency,
        deliver,
        toDelivery: this.deliveryFactory(topic),
        status: options.status,
      });
    } catch (error) {
      if (error instanceof GroupProtocolError) throw await this.explainProtocolConflict(error, groupId, channel, group);
      throw error;
    }
  }

  /** Names the protocol the group's running members use, read from the broker. */
  private async explainProtocolConflict(error: GroupProtocolError, groupId: string, channel: string, group: string): Promise<GroupProtocolError> {
    const running = await this.ready.topics.describeGroup(groupId).catch(() => undefined);
    const protocol = running?.protocol || undefined;
    return new GroupProtocolError(
      `Kafka: subscriber group "${group}" of channel "${channel}" cannot join consumer group "${groupId}": its ${running?.members ?? 'running'} member(s) ` +
        `use group protocol ${protocol === undefined ? '(unknown)' : `"${protocol}"`}, and this consumer offers ${this.options.assignors.map((a) => `"${a}"`).join(', ')}. ` +
        'Give both sides a common one: Java consumers interoperate with partition.assignment.strategy containing RangeAssignor (the Java default) ' +
        'or RoundRobinAssignor; CooperativeStickyAssignor or StickyAssignor alone cannot be shared (see the assignors option)',
      groupId,
      protocol,
      { cause: error.cause ?? error },
    );
  }

  async replay(channel: string, from: ReplayFrom, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { topics } = this.ready;
    const topic = this.channels.topicOf(channel);
    const start = await replayStart(topic, from, topics);
    const groupId = this.groupId(channel, `@replay-${randomUUID()}`);
    const consumer = await this.startConsumer({
      topic,
      groupId,
      label: `replay of channel "${channel}"`,
      fromBeginning: start.fromBeginning,
      seekTo: start.seekTo,
      commit: false,
      concurrency: options.concurrency,
      deliver,
      toDelivery: this.deliveryFactory(topic),
      status: options.status,
    });
    consumer.afterClose(() => topics.deleteGroup(groupId));
    return consumer;
  }

  async respond(channel: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { publisher } = this.ready;
    const topic = this.channels.topicOf(channel);
    const groupId = this.groupId(channel, '@responders');
    await this.prepareGroup(groupId, topic, 'latest');
    const plain = this.deliveryFactory(topic);
    const send = (topic: string, reply: WireMessage): Promise<void> => publisher.publish(topic, [reply]);
    return this.startConsumer({
      topic,
      groupId,
      label: `responders of channel "${channel}"`,
      // As for subscriber groups: only partitions added after prepareGroup lack an offset.
      fromBeginning: true,
      commit: true,
      concurrency: options.concurrency,
      status: options.status,
      deliver,
      toDelivery: (message, partition, ack, redelivered) => {
        const delivery = plain(message, partition, ack, redelivered);
        if (delivery === undefined || requestExpired(delivery.headers)) return undefined;
        const reply = replyFor(topic, delivery.headers, send);
        if (reply !== undefined) delivery.reply = reply;
        delivery.headers = withoutReplyHeaders(delivery.headers);
        return delivery;
      },
    });
  }

  request(channel: string, message: WireMessage, options: RequestOptions): Promise<Delivery> {
    return this.ready.requester.request(this.channels.topicOf(channel), message, options.timeoutMs);
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
      toDelivery: this.deliveryFactory(topic),
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
    status?: ConsumeOptions['status'];
  }): Promise<GroupConsumer> {
    const { topics } = this.ready;
    const partitions = await topics.partitionCount(config.topic);
    // Watched for health, connection events and lag (the group pin's short-lived consumer is not).
    const client = this.monitor.consumerClient(this.kafka, config.groupId);
    const consumer = new GroupConsumer({
      ...config,
      kafka: client.kafka,
      options: this.options,
      logger: this.logger,
      partitionsConcurrently: Math.max(1, Math.min(config.concurrency, partitions)),
    });
    try {
      await consumer.start();
    } catch (error) {
      client.forget();
      throw error;
    }
    this.handles.add(consumer);
    consumer.afterClose(async () => {
      this.handles.delete(consumer);
      client.forget();
    });
    return Object.assign(consumer, { lag: () => this.monitor.lag(client.name) });
  }

  private deliveryFactory(topic: string): DeliveryFactory {
    return (message: KafkaMessage, partition: number, ack: () => void, redelivered: boolean): Delivery => {
      // Extends the freshly built wire object in place: a spread copy per message showed in profiles.
      const delivery = fromKafkaMessage(message, ID_HEADER, topic, partition) as Delivery;
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
      // Forwarders first: what they hold is dropped uncommitted (the next forwarder reads it again).
      for (const started of this.forwarders.values()) await started.then(({ forwarder }) => forwarder.close(), () => {});
      await Promise.allSettled([...this.handles].map((h) => h.close()));
      await connected.requester.close(closed);
      await connected.publisher.close();
      await connected.admin.disconnect().catch(() => {});
      this.monitor.closeAll();
    })();
    return this.closing;
  }
}

/** Creates the backend for `connect()`; exported for applications that build backends themselves. */
export function createKafkaBackend(context: { url: string; options?: KafkaOptions; logger?: Logger }): Backend {
  return new KafkaBackend({ url: context.url, options: context.options ?? {}, logger: context.logger ?? silentLogger });
}
